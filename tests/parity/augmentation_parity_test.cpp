// Augmentation against the reference's (fixture_augmentation.py): one geometric transform
// replayed exactly, and the distributions of 2000 binary and 2000 multi-foreground episodes of
// the reference's TrainDataset against ours on ABD-MRI fold 0 (two-sample tests).
#include <fstream>
#include <map>
#include <numeric>
#include <sstream>

#include <gtest/gtest.h>
#include <torch/torch.h>

#include "protoseg/data/slice_augmentation.h"
#include "protoseg/data/supervoxel_episode_sampler.h"
#include "real_supervoxels.h"
#include "reference_fixtures.h"

namespace protoseg::data {
namespace {

TEST(AugmentationParityTest, GeometricTransformReplaysTheReference) {
  const io::StateDict f = testing::load_reference_tensors("augmentation_transform.pt");
  const at::Tensor a = f.at("affine");
  GeometricDraw draw;
  draw.affine = {a[0].item<double>(), a[1].item<double>(), a[2].item<double>(), a[3].item<double>(),
                 a[4].item<double>()};
  const int64_t size = f.at("image").size(0);
  const auto matrix = affine_matrix(draw.affine, size, size);
  for (int i = 0; i < 6; ++i) {
    EXPECT_NEAR(matrix[i], f.at("matrix")[i / 3][i % 3].item<double>(), 1e-6) << i;
  }
  const SliceAugmentationOptions options;
  // Affine alone (no displacement), then the whole transform; the reference's noise is U(0, 1).
  draw.noise_x = torch::zeros({size, size}, torch::kDouble);
  draw.noise_y = torch::zeros({size, size}, torch::kDouble);
  const at::Tensor image = f.at("image").unsqueeze(0);
  const at::Tensor affine_only = warp_channels(image, draw, options)[0];
  const double affine_error = (affine_only - f.at("affine_image")).abs().max().item<double>();
  draw.noise_x = 2.0 * f.at("noise_x") - 1.0;
  draw.noise_y = 2.0 * f.at("noise_y") - 1.0;
  const at::Tensor d = f.at("mask_disk");
  const at::Tensor mask =
      testing::disk_mask(size, d[0].item<int64_t>(), d[1].item<int64_t>(), d[2].item<int64_t>());
  const auto [out_image, out_mask] =
      geometric_transform(f.at("image"), mask.unsqueeze(0), draw, options);
  const double image_error = (out_image - f.at("image_out")).abs().max().item<double>();
  const double mask_agreement =
      out_mask[0].eq(f.at("mask_out").to(torch::kFloat)).to(torch::kDouble).mean().item<double>();
  std::cout << "affine warp: max |error| " << affine_error << "; affine + elastic: max |error| "
            << image_error << " (image range " << f.at("image").abs().max().item<double>()
            << "), mask agreement " << mask_agreement << "\n";
  EXPECT_LT(affine_error, 1e-4);
  EXPECT_LT(image_error, 1e-4);
  EXPECT_GE(mask_agreement, 0.999);
}

struct Row {
  std::string gamma_side, geometric_side;
  double gamma = 0, zoom = 0, displacement = 0;
  int draws = 0, classes = 0;
};

std::map<std::string, std::vector<Row>> reference_rows() {
  std::ifstream in(testing::reference_fixture("augmentation_episodes.csv"));
  std::string line;
  std::getline(in, line);  // header: kind,gamma_side,gamma,geometric_side,zoom,draws,...
  std::map<std::string, std::vector<Row>> rows;
  while (std::getline(in, line)) {
    std::stringstream fields(line);
    std::string kind, value;
    Row r;
    std::getline(fields, kind, ',');
    std::getline(fields, r.gamma_side, ',');
    std::getline(fields, value, ',');
    r.gamma = std::stod(value);
    std::getline(fields, r.geometric_side, ',');
    std::getline(fields, value, ',');
    r.zoom = std::stod(value);
    std::getline(fields, value, ',');
    r.draws = std::stoi(value);
    std::getline(fields, value, ',');
    r.displacement = std::stod(value);
    std::getline(fields, value, ',');
    r.classes = std::stoi(value);
    rows[kind].push_back(r);
  }
  return rows;
}

std::vector<Row> our_rows(int max_foregrounds, size_t count) {
  const DatasetConfig config = testing::abd_mri_all_with_supervoxels();
  const VolumeDataset dataset(config);
  SupervoxelEpisodeOptions options;
  options.max_foregrounds = max_foregrounds;
  const SupervoxelEpisodeSampler sampler(dataset, dataset.training_indices(0), options, 2021);
  std::vector<Row> rows;
  for (size_t i = 0; i < count; ++i) {
    const Episode e = sampler.sample(static_cast<int64_t>(i));
    rows.push_back({e.gamma_on_support ? "support" : "query",
                    e.geometric_on_support ? "support" : "query", e.gamma, e.zoom,
                    e.mean_displacement, e.geometric_draws, static_cast<int>(e.foreground_count)});
  }
  return rows;
}

template <class F>
std::vector<double> column(const std::vector<Row>& rows, F field) {
  std::vector<double> out;
  for (const Row& r : rows) out.push_back(field(r));
  return out;
}

// Every statistic must be consistent with one population at the 0.1 % level.
constexpr double kLevel = 1e-3;

void compare(const std::string& kind, const std::vector<Row>& reference,
             const std::vector<Row>& ours) {
  const auto n = static_cast<int64_t>(reference.size()), m = static_cast<int64_t>(ours.size());
  auto count = [](const std::vector<Row>& rows, auto predicate) {
    int64_t k = 0;
    for (const Row& r : rows) k += predicate(r);
    return k;
  };
  auto proportion = [&](const std::string& what, auto predicate) {
    const int64_t a = count(reference, predicate), b = count(ours, predicate);
    const double p = testing::two_proportion_p_value(a, n, b, m);
    std::cout << kind << " " << what << ": reference " << double(a) / n << ", ours "
              << double(b) / m << ", p = " << p << "\n";
    EXPECT_GT(p, kLevel) << kind << " " << what;
  };
  proportion("gamma on the support", [](const Row& r) { return r.gamma_side == "support"; });
  proportion("geometric on the support",
             [](const Row& r) { return r.geometric_side == "support"; });
  proportion("gamma and geometric on the same image",
             [](const Row& r) { return r.gamma_side == r.geometric_side; });
  proportion("geometric transform redrawn (empty structure)",
             [](const Row& r) { return r.draws > 1; });
  auto distribution = [&](const std::string& what, auto field) {
    const auto [d, p] = testing::kolmogorov_smirnov(column(reference, field), column(ours, field));
    const auto a = column(reference, field), b = column(ours, field);
    std::cout << kind << " " << what << ": KS D = " << d << ", p = " << p << " (means "
              << std::accumulate(a.begin(), a.end(), 0.0) / a.size() << " / "
              << std::accumulate(b.begin(), b.end(), 0.0) / b.size() << ")\n";
    EXPECT_GT(p, kLevel) << kind << " " << what;
  };
  distribution("gamma", [](const Row& r) { return r.gamma; });
  distribution("zoom", [](const Row& r) { return r.zoom; });
  distribution("mean displacement (px)", [](const Row& r) { return r.displacement; });
  std::vector<int64_t> classes_a(6, 0), classes_b(6, 0);
  for (const Row& r : reference) ++classes_a.at(static_cast<size_t>(r.classes));
  for (const Row& r : ours) ++classes_b.at(static_cast<size_t>(r.classes));
  const double p = testing::chi_square_p_value(classes_a, classes_b);
  std::cout << kind << " classes per episode 1..5: reference";
  for (size_t k = 1; k < 6; ++k) std::cout << " " << classes_a[k];
  std::cout << ", ours";
  for (size_t k = 1; k < 6; ++k) std::cout << " " << classes_b[k];
  std::cout << ", chi-square p = " << p << "\n";
  EXPECT_GT(p, kLevel) << kind << " classes";
}

TEST(AugmentationParityRealDataTest, BinaryEpisodesDistributeAsTheReference) {
  const auto reference = reference_rows().at("binary");
  compare("binary", reference, our_rows(1, reference.size()));
}

TEST(AugmentationParityRealDataTest, MultiForegroundEpisodesDistributeAsTheReference) {
  const auto reference = reference_rows().at("multi");
  compare("multi-foreground", reference, our_rows(5, reference.size()));
}

}  // namespace
}  // namespace protoseg::data
