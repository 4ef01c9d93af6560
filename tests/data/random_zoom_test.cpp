#include "protoseg/data/random_zoom.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

namespace protoseg::data {
namespace {

TEST(RandomZoomTest, ZoomTwoShowsTheCentralHalf) {
  std::mt19937_64 rng(1);
  const torch::Tensor images = torch::arange(64, torch::kFloat).view({1, 1, 8, 8});
  torch::Tensor masks = torch::zeros({1, 1, 8, 8});
  masks.slice(2, 2, 6).slice(3, 2, 6).fill_(1);  // the central 4 x 4
  const auto [zoomed_images, zoomed_masks] = random_zoom(images, masks, {2.0, 2.0, 1.0}, rng);
  EXPECT_TRUE(torch::all(zoomed_masks.eq(1)).item<bool>());  // the centre fills the frame
  EXPECT_EQ(zoomed_images.sizes(), images.sizes());
  EXPECT_NEAR(zoomed_images.mean().item<double>(), images.mean().item<double>(), 1e-4);
  EXPECT_LT(zoomed_images.max().item<double>() - zoomed_images.min().item<double>(), 32.0);
}

TEST(RandomZoomTest, ZeroProbabilityLeavesImagesAlone) {
  std::mt19937_64 rng(1);
  const torch::Tensor images = torch::randn({3, 1, 8, 8});
  const torch::Tensor masks = torch::rand({3, 1, 8, 8}).gt(0.5).to(torch::kFloat);
  const auto [zoomed_images, zoomed_masks] = random_zoom(images, masks, {0.95, 1.2, 0.0}, rng);
  EXPECT_TRUE(torch::equal(zoomed_images, images));
  EXPECT_TRUE(torch::equal(zoomed_masks, masks));
}

}  // namespace
}  // namespace protoseg::data
