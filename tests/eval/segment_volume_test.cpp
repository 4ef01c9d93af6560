#include "protoseg/eval/segment_volume.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include "expect_error.h"
#include "protoseg/eval/scan_grid.h"
#include "protoseg/io/resample.h"
#include "protoseg/io/volume_io.h"
#include "protoseg/train/train_config.h"
#include "protoseg/train/trainer.h"
#include "test_paths.h"

namespace protoseg::eval {
namespace {

double dice(const at::Tensor& a, const at::Tensor& b) {
  const double both = (a & b).sum().item<double>();
  return 2.0 * both / (a.sum().item<double>() + b.sum().item<double>());
}

// A scan stored another way (axes swapped and flipped, 1 mm in-plane instead of 1.25) must get
// the same label map as the original once both are mapped back onto the original's grid.
TEST(SegmentVolumeRealDataTest, ReorientedResampledScanGetsTheSameLabels) {
  torch::manual_seed(0);
  train::TrainConfig config;
  config.encoder.depth = 50;
  config.encoder.stride_in_1x1 = true;
  config.encoder.weights = testing::pretrained_resnet50();
  models::FewShotSegmenter model = train::make_segmenter(config);
  model->eval();
  const SliceEncoder encoder =
      make_slice_encoder(model->encoder, c10::kCPU, core::Precision::kFloat32);
  const auto root = testing::shared_data("abd_mri");
  const io::Volume support = io::read_scan(root / "image_8.nii.gz");
  const io::Volume support_labels = io::read_label_map(root / "label_8.nii.gz");
  const io::Volume query = io::read_scan(root / "image_1.nii.gz");

  // The copy: x and y swapped (y flipped), 1.0 mm in-plane, the same slices.
  const io::Geometry& g = query.geometry;
  io::Geometry copy_grid;
  copy_grid.size = {320, 320, g.size[2]};
  copy_grid.spacing = {1.0, 1.0, g.spacing[2]};
  const std::array<double, 9>& d = g.direction;
  // copy x = original y axis, copy y = - original x axis
  copy_grid.direction = {d[1], -d[0], d[2], d[4], -d[3], d[5], d[7], -d[6], d[8]};
  const double reach = 1.25 * 255;  // the original x extent, mm
  copy_grid.origin = {g.origin[0] + d[0] * reach, g.origin[1] + d[3] * reach,
                      g.origin[2] + d[6] * reach};
  const io::Volume copy = io::resample(query, copy_grid, io::Interpolation::kLinear);

  ScanGridOptions grid_options;
  grid_options.orientation = "LAS";
  grid_options.field_of_view = 320.0;  // 256 x 1.25 mm
  grid_options.size = 128;
  const io::Geometry support_grid = scan_grid(support.geometry, support.geometry, grid_options);
  const at::Tensor support_image = image_on_grid(support, support_grid, "image_8");
  const at::Tensor support_on_grid = labels_on_grid(support_labels, support_grid);
  const std::map<std::string, int> organs = {
      {"liver", 1}, {"right_kidney", 2}, {"left_kidney", 3}, {"spleen", 4}};
  VolumeSegmentationOptions options;
  options.prior = SegmentationPrior::kCeT;
  options.batch_size = 16;
  auto segment = [&](const io::Volume& scan) {
    const io::Geometry grid = scan_grid(scan.geometry, support.geometry, grid_options);
    EXPECT_EQ(grid.size[0], 128);
    const at::Tensor labels = segment_volume(*model->head, encoder, support_image, support_on_grid,
                                             image_on_grid(scan, grid, "scan"), organs, options);
    return labels_to_scan(labels, grid, scan.geometry);
  };
  const io::Volume direct = segment(query);
  const io::Volume via_copy = segment(copy);
  EXPECT_TRUE(direct.geometry.same_grid(query.geometry));
  EXPECT_TRUE(via_copy.geometry.same_grid(copy.geometry));
  const at::Tensor back = io::resample(via_copy, g, io::Interpolation::kNearest).data;
  ASSERT_GT(direct.data.gt(0).sum().item<int64_t>(), 1000);
  const double foreground = dice(direct.data.gt(0), back.gt(0));
  std::cout << "foreground Dice " << foreground << "\n";
  EXPECT_GE(foreground, 0.98);
  for (const auto& [name, label] : organs) {
    if (direct.data.eq(label).sum().item<int64_t>() < 500) continue;
    const double d_organ = dice(direct.data.eq(label), back.eq(label));
    std::cout << name << " Dice " << d_organ << "\n";
    EXPECT_GE(d_organ, 0.98) << name;
  }
}

TEST(SegmentVolumeTest, MethodNamesAndMissingPriors) {
  EXPECT_EQ(parse_segmentation_prior("AvgEst"), SegmentationPrior::kAvgEst);
  EXPECT_EQ(parse_segmentation_prior("ce-t"), SegmentationPrior::kCeT);
  EXPECT_THROW(parse_segmentation_prior("ocp"), std::invalid_argument);
  models::TiedPrototypeHead head;
  const SliceEncoder encoder = [](const at::Tensor& images) {
    return torch::ones({images.size(0), 4, 4, 4});
  };
  at::Tensor labels = torch::zeros({3, 32, 32}, torch::kLong);
  labels[1].slice(0, 8, 20).slice(1, 8, 20).fill_(1);
  VolumeSegmentationOptions options;
  options.prior = SegmentationPrior::kLinEst;
  EXPECT_THROW(segment_volume(*head, encoder, torch::zeros({3, 32, 32}), labels,
                              torch::zeros({2, 32, 32}), {{"liver", 1}}, options),
               std::invalid_argument);
  options.prior = SegmentationPrior::kCeT;
  testing::expect_error<std::runtime_error>(
      [&] {
        segment_volume(*head, encoder, torch::zeros({3, 32, 32}), labels, torch::zeros({2, 32, 32}),
                       {{"spleen", 4}}, options);
      },
      "shows no 'spleen'");
  // An organ the volume shows, but not on the support slice, gets an empty prototype (as the
  // reference) instead of an error.
  options.multi_class = true;
  testing::expect_error<std::runtime_error>(
      [&] {
        segment_volume(*head, encoder, torch::zeros({3, 32, 32}), labels, torch::zeros({2, 32, 32}),
                       {{"liver", 1}, {"spleen", 4}}, options);
      },
      "shows no 'spleen' on any slice");
  labels[2].slice(0, 8, 20).slice(1, 8, 20).fill_(4);
  options.support_slice = 1;
  const at::Tensor partial =
      segment_volume(*head, encoder, torch::zeros({3, 32, 32}), labels, torch::zeros({2, 32, 32}),
                     {{"liver", 1}, {"spleen", 4}}, options);
  EXPECT_EQ(partial.sizes(), (std::vector<int64_t>{2, 32, 32}));
  options.multi_class = false;
  options.support_slice = -1;
  const at::Tensor ok = segment_volume(*head, encoder, torch::zeros({3, 32, 32}), labels,
                                       torch::zeros({2, 32, 32}), {{"liver", 1}}, options);
  EXPECT_EQ(ok.sizes(), (std::vector<int64_t>{2, 32, 32}));
}

}  // namespace
}  // namespace protoseg::eval
