#include "protoseg/supervoxel/supervoxels.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include "protoseg/eval/adjusted_rand_index.h"
#include "protoseg/io/volume_io.h"
#include "test_paths.h"

namespace protoseg::supervoxel {
namespace {

TEST(SupervoxelsTest, RescalesLikeAdnet) {
  const auto x = torch::tensor({2.0, 4.0, 6.0}, torch::kFloat64).reshape({1, 1, 3});
  EXPECT_TRUE(torch::equal(rescale_to_255(x),
                           torch::tensor({0.0, 127.5, 255.0}, torch::kFloat64).reshape({1, 1, 3})));
  EXPECT_TRUE(torch::equal(rescale_to_255(torch::ones({1, 2, 2})),
                           torch::zeros({1, 2, 2}, torch::kFloat64)));
}

TEST(SupervoxelsTest, BackgroundIsZeroAndSegmentZeroIsRenumbered) {
  // A bright body in the middle of a dark frame; the frame holds voxel 0.
  io::Volume image{torch::zeros({4, 16, 16}, torch::kFloat32), {}};
  image.geometry.size = {16, 16, 4};
  image.data.slice(1, 3, 13).slice(2, 3, 13).fill_(100.0);
  image.data.slice(1, 3, 13).slice(2, 8, 13).fill_(200.0);
  SupervoxelOptions options;
  options.n_sv = 50;
  const auto labels = make_supervoxels(image, options);
  EXPECT_EQ(labels.scalar_type(), torch::kInt32);
  EXPECT_EQ(labels[0][0][0].item<int32_t>(), 0);
  EXPECT_EQ(labels[0][5][5].item<int32_t>(), 1);
  EXPECT_EQ(labels[0][5][10].item<int32_t>(), 2);
  EXPECT_EQ(std::get<0>(at::_unique(labels)).numel(), 3);
}

// Agreement with ADNet's own supervoxels (its Cython Felzenszwalb + body mask, n_sv = 5000) on
// the five ABD-MRI volumes it was run on.
class SupervoxelsRealDataTest : public ::testing::TestWithParam<int> {};

TEST_P(SupervoxelsRealDataTest, MatchesAdnetReferenceOnAbdMri) {
  const int id = GetParam();
  const auto image_file = testing::shared_data("abd_mri/image_" + std::to_string(id) + ".nii.gz");
  const io::Volume image = io::read_volume(image_file, torch::kFloat64);
  const io::Volume reference = io::read_label_map(testing::shared_data(
      "abd_mri_adnet_supervoxels/superpix-MIDDLE_" + std::to_string(id) + ".nii.gz"));
  SupervoxelOptions options;
  options.n_sv = 5000;
  const auto labels = make_supervoxels(image, options);
  ASSERT_EQ(labels.sizes(), reference.data.sizes());
  const double ari = eval::adjusted_rand_index(labels, reference.data);
  RecordProperty("adjusted_rand_index", std::to_string(ari));
  EXPECT_GE(ari, 0.99);
  // Identity, labels included, is what the NumPy-order edge sort achieves.
  EXPECT_TRUE(torch::equal(labels.to(torch::kInt64), reference.data)) << "ARI " << ari;
}

INSTANTIATE_TEST_SUITE_P(AdnetVolumes, SupervoxelsRealDataTest, ::testing::Values(1, 2, 3, 5, 8));

}  // namespace
}  // namespace protoseg::supervoxel
