// The reference's analysis pass and LinEst fits (fixture_priors.py): ideal priors of training
// queries (models/fewshot_anom.py and fewshot_multiclass_anom.py with analyze=True), the
// location feature, the least-squares LinEst of main_analyze.py and the Linear(2, 2) LinEst of
// main_multiclass_analyze.py.
#include <algorithm>
#include <cmath>

#include <ATen/CPUGeneratorImpl.h>
#include <gtest/gtest.h>
#include <torch/torch.h>

#include "protoseg/eval/binary_predictor.h"
#include "protoseg/eval/linear_prior.h"
#include "protoseg/eval/multi_class_evaluation.h"
#include "protoseg/eval/multi_class_linear_prior.h"
#include "protoseg/eval/support_prototypes.h"
#include "protoseg/eval/training_priors.h"
#include "protoseg/models/prototype_ops.h"
#include "protoseg/models/tied_prototype_head.h"
#include "reference_fixtures.h"

namespace protoseg::eval {
namespace {

at::Tensor disk_of(const at::Tensor& p, int64_t size) {
  return testing::disk_mask(size, p[0].item<int64_t>(), p[1].item<int64_t>(), p[2].item<int64_t>());
}

models::TiedPrototypeHead trained_head() {
  models::TiedPrototypeHead head;
  torch::NoGradGuard no_grad;
  head->threshold_parameter.fill_(std::log(std::expm1(-9.5 + 20.0)));
  head->sigma_foreground.fill_(0.30);
  head->sigma_background.fill_(40.0);
  head->ideal_threshold_ema.fill_(0.9);
  return head;
}

TEST(PriorsParityTest, IdealPriorsOfTrainingQueries) {
  const io::StateDict f = testing::load_reference_tensors("priors.pt");
  const auto head = trained_head();
  const at::Tensor rows = f.at("binary.analysis");  // rank, len, location, size, prior, prior_mp
  const at::Tensor support_mask = disk_of(f.at("binary.support_disk"), 64);
  for (int64_t e = 0; e < rows.size(0); ++e) {
    const at::Tensor features = f.at("binary.features" + std::to_string(e));
    const at::Tensor query_mask = disk_of(f.at("binary.query_disks")[e], 64);
    at::Generator generator =
        at::detail::createCPUGenerator(f.at("binary.em_seed").item<int64_t>());
    const SupportPrototypes support =
        make_support_prototypes(features.slice(0, 0, 1), support_mask, 0.30, {}, generator);
    const BinaryPredictor predictor(*head, support, features.slice(0, 1, 2), 64);
    data::Episode episode;
    episode.support_rank = rows[e][0].item<int64_t>();
    episode.volume_depth = rows[e][1].item<int64_t>();
    const double location = prior_location(episode, /*reference_compat=*/true);
    const double single =
        predictor.ideal_priors(false, query_mask.unsqueeze(0), true).item<double>();
    const double multi = predictor.ideal_priors(true, query_mask.unsqueeze(0), true).item<double>();
    std::cout << "episode " << e << ": location " << location << " (" << rows[e][2].item<double>()
              << "), fraction " << support.foreground_fraction << " (" << rows[e][3].item<double>()
              << "), prior " << single << " (" << rows[e][4].item<double>() << "), five prototypes "
              << multi << " (" << rows[e][5].item<double>() << ")\n";
    EXPECT_NEAR(location, rows[e][2].item<double>(), 1e-12);
    EXPECT_NEAR(support.foreground_fraction, rows[e][3].item<double>(), 1e-6);
    EXPECT_NEAR(single, rows[e][4].item<double>(), 1e-4 * rows[e][4].item<double>());
    EXPECT_NEAR(multi, rows[e][5].item<double>(), 1e-4 * rows[e][5].item<double>());
  }
}

TEST(PriorsParityTest, MultiClassIdealPrior) {
  const io::StateDict f = testing::load_reference_tensors("priors.pt");
  const auto head = trained_head();
  const at::Tensor features = f.at("multi.features");
  const int64_t classes = f.at("multi.support_disks").size(0);
  std::vector<at::Tensor> masks;
  at::Tensor covered = torch::zeros({256, 256});
  for (int64_t k = 0; k < classes; ++k) {
    masks.push_back(disk_of(f.at("multi.support_disks")[k], 256));
    covered += disk_of(f.at("multi.query_disks")[k], 256);
  }
  const at::Tensor prototypes = models::masked_average_pooling(
      features.slice(0, 0, 1).expand({classes, -1, -1, -1}), torch::stack(masks));
  const at::Tensor cosines = models::prototype_cosines(features.slice(0, 1, 2), prototypes);
  const at::Tensor count = covered.gt(0).sum().reshape({1});
  const double ours = multi_class_ideal_prior(*head, cosines, count, 256, true).item<double>();
  const double reference = f.at("multi.analysis")[3].item<double>();
  std::cout << "multi-class ideal prior " << ours << " (reference " << reference << ")\n";
  EXPECT_NEAR(ours, reference, 1e-4 * reference);
  for (int64_t k = 0; k < classes; ++k) {
    EXPECT_NEAR(masks[k].mean().item<double>(), f.at("multi.sizes")[k].item<double>(), 1e-9);
  }
}

TEST(PriorsParityTest, BinaryLinEstFitsAsLeastSquares) {
  const io::StateDict f = testing::load_reference_tensors("priors.pt");
  const at::Tensor samples = f.at("fit.binary.samples");  // location, fraction, prior, prior_mp
  std::vector<double> locations, fractions, priors, priors_mp;
  for (int64_t i = 0; i < samples.size(0); ++i) {
    locations.push_back(samples[i][0].item<double>());
    fractions.push_back(samples[i][1].item<double>());
    priors.push_back(samples[i][2].item<double>());
    priors_mp.push_back(samples[i][3].item<double>());
  }
  for (const auto& [name, values] :
       {std::make_pair("single", priors), std::make_pair("multi", priors_mp)}) {
    const LinearPrior fit = fit_linear_prior(locations, fractions, values);
    const at::Tensor reference = f.at(std::string("fit.binary.") + name);
    std::cout << name << ": " << fit.intercept << " " << fit.location_coef << " " << fit.size_coef
              << " (reference " << reference[0].item<double>() << " " << reference[1].item<double>()
              << " " << reference[2].item<double>() << ")\n";
    EXPECT_NEAR(fit.intercept, reference[0].item<double>(), 1e-8) << name;
    EXPECT_NEAR(fit.location_coef, reference[1].item<double>(), 1e-8) << name;
    EXPECT_NEAR(fit.size_coef, reference[2].item<double>(), 1e-8) << name;
  }
}

TEST(PriorsParityTest, MultiClassLinEstFitsAsTheReferenceLinearTwoByTwo) {
  const io::StateDict f = testing::load_reference_tensors("priors.pt");
  const at::Tensor samples = f.at("fit.multi.samples");  // location, 5 fractions, prior
  std::vector<MultiClassPriorSample> fit_samples;
  const int64_t classes = samples.size(1) - 2;
  for (int64_t i = 0; i < samples.size(0); ++i) {
    MultiClassPriorSample s;
    s.location = samples[i][0].item<double>();
    for (int64_t k = 0; k < classes; ++k)
      s.support_fractions.push_back(samples[i][1 + k].item<double>());
    s.prior = samples[i][1 + classes].item<double>();
    fit_samples.push_back(s);
  }
  const at::Tensor w = f.at("fit.multi.start_weight"), b = f.at("fit.multi.start_bias");
  // The reference sets the background bias to 0 before fitting and freezes that row.
  const std::array<double, 5> start = {w[0][0].item<double>(), w[0][1].item<double>(),
                                       b[0].item<double>(), w[1][0].item<double>(),
                                       w[1][1].item<double>()};
  const MultiClassLinearPrior fit = fit_multi_class_linear_prior(fit_samples, start);
  const at::Tensor weight = f.at("fit.multi.weight"), bias = f.at("fit.multi.bias");
  const MultiClassLinearPrior reference{{weight[0][0].item<double>(), weight[0][1].item<double>()},
                                        bias[0].item<double>(),
                                        {weight[1][0].item<double>(), weight[1][1].item<double>()},
                                        static_cast<int>(samples.size(0))};
  std::cout << "F row " << fit.foreground_weight[0] << " " << fit.foreground_weight[1] << " + "
            << fit.foreground_bias << " (reference " << reference.foreground_weight[0] << " "
            << reference.foreground_weight[1] << " + " << reference.foreground_bias << ")\n";
  EXPECT_EQ(fit.samples, samples.size(0));
  // The background row and bias stay at their start, as in the reference.
  EXPECT_NEAR(fit.background_weight[0], reference.background_weight[0], 1e-6);
  EXPECT_NEAR(fit.background_weight[1], reference.background_weight[1], 1e-6);
  EXPECT_EQ(bias[1].item<double>(), 0.0);
  // Adam at lr 0.1 ends 1000 steps still moving along a flat valley of the objective, so the
  // weights themselves depend on float rounding; the priors they predict must agree.
  double worst = 0.0, kl_ours = 0.0, kl_reference = 0.0;
  for (const MultiClassPriorSample& s : fit_samples) {
    const double a = fit.predict(s.location, s.support_fractions);
    const double b = reference.predict(s.location, s.support_fractions);
    worst = std::max(worst, std::abs(a - b));
    const double y = std::clamp(s.prior, 1e-3, 1 - 1e-3);
    kl_ours += y * std::log(y / a) + (1 - y) * std::log((1 - y) / (1 - a));
    kl_reference += y * std::log(y / b) + (1 - y) * std::log((1 - y) / (1 - b));
  }
  std::cout << "predicted priors: max |ours - reference| " << worst << "; objective "
            << kl_ours / (2.0 * fit_samples.size()) << " (reference "
            << kl_reference / (2.0 * fit_samples.size()) << ")\n";
  EXPECT_LT(worst, 5e-3);
  EXPECT_NEAR(kl_ours, kl_reference, 1e-3 * kl_reference);
}

}  // namespace
}  // namespace protoseg::eval
