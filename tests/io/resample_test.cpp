#include "protoseg/io/resample.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

namespace protoseg::io {
namespace {

Volume ramp(const Geometry& g) {
  // value = x + 10 y + 100 z of the voxel index, [D, H, W]
  const auto x = torch::arange(g.size[0], torch::kFloat).reshape({1, 1, -1});
  const auto y = torch::arange(g.size[1], torch::kFloat).reshape({1, -1, 1});
  const auto z = torch::arange(g.size[2], torch::kFloat).reshape({-1, 1, 1});
  return {(x + 10 * y + 100 * z).contiguous(), g};
}

Geometry grid(std::array<int64_t, 3> size, std::array<double, 3> spacing) {
  Geometry g;
  g.size = size;
  g.spacing = spacing;
  g.origin = {-5.0, 3.0, 10.0};
  return g;
}

TEST(ResampleTest, SameGridIsTheIdentity) {
  const Volume v = ramp(grid({6, 5, 4}, {1.5, 1.5, 3.0}));
  EXPECT_TRUE(
      torch::allclose(resample(v, v.geometry, Interpolation::kLinear).data, v.data, 1e-4, 1e-4));
  EXPECT_TRUE(torch::equal(resample(v, v.geometry, Interpolation::kNearest).data, v.data));
}

TEST(ResampleTest, HalfVoxelShiftInterpolatesAndOutsideReadsTheFillValue) {
  const Volume v = ramp(grid({6, 5, 4}, {1.0, 1.0, 1.0}));
  Geometry shifted = v.geometry;
  shifted.origin[0] += 0.5;  // half a voxel along x
  const at::Tensor out = resample(v, shifted, Interpolation::kLinear, -7.0).data;
  EXPECT_NEAR(out[1][2][0].item<float>(), 0.5f + 20.0f + 100.0f, 1e-4);
  // Half a voxel past the last centre blends the last value with the fill value.
  EXPECT_NEAR(out[1][2][5].item<float>(), 0.5f * (5.0f + 120.0f) + 0.5f * -7.0f, 1e-4);
  shifted.origin[0] += 1.0;  // 1.5 voxels: x index 6.5 lies wholly outside
  EXPECT_NEAR(resample(v, shifted, Interpolation::kLinear, -7.0).data[1][2][5].item<float>(), -7.0f,
              1e-4);
}

// The same physical volume stored with flipped and swapped axes, and on a finer grid, comes
// back identical (labels, nearest) after resampling onto the original grid.
TEST(ResampleTest, ReorientedAndResampledLabelsComeBack) {
  Geometry g = grid({20, 16, 6}, {1.25, 1.25, 4.0});
  at::Tensor labels = torch::zeros({6, 16, 20}, torch::kLong);
  labels.slice(0, 1, 5).slice(1, 4, 12).slice(2, 5, 15).fill_(3);
  const Volume original{labels, g};
  // x and y swapped and y flipped: index (i, j, k) of the copy is (j', W-1-i', k) ...
  Geometry reoriented;
  reoriented.size = {16, 20, 6};
  reoriented.spacing = {1.25, 1.25, 4.0};
  reoriented.direction = {0, -1, 0, 1, 0, 0, 0, 0, 1};
  reoriented.origin = {g.origin[0] + 19 * 1.25, g.origin[1], g.origin[2]};
  const Volume copy = resample(original, reoriented, Interpolation::kNearest);
  EXPECT_EQ(copy.data.sum().item<int64_t>(), labels.sum().item<int64_t>());
  EXPECT_TRUE(torch::equal(resample(copy, g, Interpolation::kNearest).data, labels));
  // A finer copy (0.625 mm) and back.
  Geometry fine = g;
  fine.size = {40, 32, 6};
  fine.spacing = {0.625, 0.625, 4.0};
  fine.origin = {g.origin[0] - 0.3125, g.origin[1] - 0.3125, g.origin[2]};
  const Volume back =
      resample(resample(original, fine, Interpolation::kNearest), g, Interpolation::kNearest);
  EXPECT_GE(back.data.eq(labels).to(torch::kDouble).mean().item<double>(), 0.99);
}

TEST(ResampleTest, SegmentationGridFollowsTheModelAxesAndCentresTheScan) {
  const Geometry query = grid({100, 80, 30}, {2.0, 2.0, 5.0});
  Geometry model;
  model.spacing = {1.25, 1.25, 7.7};
  const Geometry g = segmentation_grid(query, model, 256, /*field_of_view=*/320.0);
  EXPECT_EQ(g.size, (std::array<int64_t, 3>{256, 256, 30}));
  EXPECT_EQ(g.spacing, (std::array<double, 3>{1.25, 1.25, 5.0}));
  // Centred: the grid's centre is the scan's centre.
  const double scan_centre_x = query.origin[0] + 2.0 * 99 / 2.0;
  EXPECT_NEAR(g.origin[0] + 1.25 * 255 / 2.0, scan_centre_x, 1e-9);
  EXPECT_NEAR(g.origin[2], query.origin[2], 1e-9);
  // The model's axes: the slice axis of a scan stored with z first comes out along model z.
  Geometry sideways = query;
  sideways.size = {30, 100, 80};
  sideways.spacing = {5.0, 2.0, 2.0};
  sideways.direction = {0, 1, 0, 0, 0, 1, 1, 0, 0};
  // Field of view 0: the scan's own in-plane extent (100 x 2 mm, 80 x 2 mm) on 64 voxels.
  const Geometry h = segmentation_grid(sideways, model, 64, /*field_of_view=*/0.0);
  EXPECT_EQ(h.size[2], 30);
  EXPECT_EQ(h.spacing, (std::array<double, 3>{200.0 / 64, 160.0 / 64, 5.0}));
  EXPECT_EQ(h.direction, model.direction);
}

}  // namespace
}  // namespace protoseg::io
