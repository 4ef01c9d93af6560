#include "protoseg/eval/overlay.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

namespace protoseg::eval {
namespace {

// A 4 x 4 ramp image: pixel (r, c) has value 4r + c, so the gray level is (4r + c) * 17.
at::Tensor ramp() { return torch::arange(16, torch::kFloat).reshape({4, 4}); }

std::vector<int> pixel(const at::Tensor& rgb, int64_t r, int64_t c) {
  const at::Tensor p = rgb[r][c].to(torch::kInt);
  return {p[0].item<int>(), p[1].item<int>(), p[2].item<int>()};
}

// Blends land on .5 before rounding, so a channel may round either way.
void expect_colour(const at::Tensor& rgb, int64_t r, int64_t c, std::vector<int> expected) {
  const std::vector<int> got = pixel(rgb, r, c);
  for (size_t k = 0; k < 3; ++k) {
    EXPECT_NEAR(got[k], expected[k], 1) << "pixel (" << r << ", " << c << ") channel " << k;
  }
}

TEST(OverlayTest, PredictionColoursTruePositivesMissesAndFalsePositives) {
  at::Tensor truth = torch::zeros({4, 4}, torch::kBool);
  at::Tensor prediction = torch::zeros({4, 4}, torch::kBool);
  truth.index_put_({0, 0}, true);
  prediction.index_put_({0, 0}, true);  // true positive: yellow
  truth.index_put_({0, 1}, true);       // missed: green
  prediction.index_put_({0, 2}, true);  // false positive: red
  const at::Tensor rgb = overlay_rgb(ramp(), truth, prediction);
  ASSERT_EQ(rgb.sizes(), (at::IntArrayRef{4, 4, 3}));
  EXPECT_EQ(rgb.scalar_type(), torch::kUInt8);
  expect_colour(rgb, 0, 0, {128, 128, 0});    // gray 0 blended with yellow
  expect_colour(rgb, 0, 1, {9, 136, 9});      // gray 17 with green
  expect_colour(rgb, 0, 2, {145, 17, 17});    // gray 34 with red
  expect_colour(rgb, 3, 3, {255, 255, 255});  // untouched gray 255
}

TEST(OverlayTest, SupervoxelBoundariesAreWhiteAndBackgroundStaysGray) {
  // Two supervoxels side by side in rows 1-2, background elsewhere.
  at::Tensor labels = torch::zeros({4, 4}, torch::kLong);
  labels.index_put_({torch::indexing::Slice(1, 3), torch::indexing::Slice(0, 2)}, 1);
  labels.index_put_({torch::indexing::Slice(1, 3), torch::indexing::Slice(2, 4)}, 2);
  const at::Tensor rgb = supervoxel_overlay_rgb(ramp(), labels);
  expect_colour(rgb, 1, 1, {255, 255, 255});  // right neighbour differs
  expect_colour(rgb, 0, 0, {255, 255, 255});  // lower neighbour differs
  expect_colour(rgb, 2, 3, {255, 255, 255});  // lower is background
  expect_colour(rgb, 3, 3, {255, 255, 255});  // gray 255, no label
  const at::Tensor plain = labels_overlay_rgb(ramp(), labels);
  EXPECT_EQ(pixel(rgb, 1, 0), pixel(plain, 1, 0));  // inside supervoxel 1: red blend
  expect_colour(plain, 1, 0, {162, 34, 34});
  expect_colour(rgb, 3, 0, {204, 204, 204});  // background row 3
}

}  // namespace
}  // namespace protoseg::eval
