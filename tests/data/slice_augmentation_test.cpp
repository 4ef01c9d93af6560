#include "protoseg/data/slice_augmentation.h"

#include <cmath>

#include <gtest/gtest.h>
#include <torch/torch.h>

namespace protoseg::data {
namespace {

TEST(SliceAugmentationTest, GammaMatchesTheFormula) {
  at::Tensor image = torch::tensor({{-1.0f, 0.0f}, {1.0f, 3.0f}});
  apply_gamma(image, 2.0);
  // range 4, min -1: 4 * ((x + 1 + 1e-5) / 4)^2 - 1
  auto expected = [](double x) { return 4.0 * std::pow((x + 1.0 + 1e-5) / 4.0, 2.0) - 1.0; };
  EXPECT_NEAR(image[0][0].item<float>(), expected(-1.0), 1e-6);
  EXPECT_NEAR(image[0][1].item<float>(), expected(0.0), 1e-6);
  EXPECT_NEAR(image[1][1].item<float>(), expected(3.0), 1e-5);
}

TEST(SliceAugmentationTest, NeutralSettingsLeaveTheSliceUnchanged) {
  SliceAugmentationOptions neutral;
  neutral.gamma_min = neutral.gamma_max = 1.0;
  neutral.rotation_deg = neutral.translation_px = neutral.shear_deg = 0.0;
  neutral.zoom_min = neutral.zoom_max = 1.0;
  neutral.elastic_alpha = 0.0;
  const at::Tensor image = torch::rand({32, 32});
  const at::Tensor mask = torch::zeros({32, 32});
  mask.slice(0, 8, 20).slice(1, 10, 25).fill_(1.0f);
  std::mt19937_64 rng(1);
  const auto [out_image, out_mask] = augment_slice(image, mask, neutral, rng);
  EXPECT_TRUE(torch::allclose(out_image, image, 1e-4, 1e-4));
  EXPECT_TRUE(torch::equal(out_mask, mask));
}

TEST(SliceAugmentationTest, RandomWarpKeepsTheMaskBinaryAndNearby) {
  const at::Tensor image = torch::rand({64, 64});
  const at::Tensor mask = torch::zeros({64, 64});
  mask.slice(0, 20, 44).slice(1, 20, 44).fill_(1.0f);
  std::mt19937_64 rng(5);
  const auto [out_image, out_mask] = augment_slice(image, mask, {}, rng);
  EXPECT_TRUE(torch::equal(out_mask, out_mask.round()));
  const double area = out_mask.sum().item<double>();
  // Zoom 0.9-1.2 scales the 576 px square by 0.81-1.44; elastic noise adds a little.
  EXPECT_GT(area, 0.7 * 576);
  EXPECT_LT(area, 1.6 * 576);
  EXPECT_FALSE(torch::equal(out_image, image));
}

}  // namespace
}  // namespace protoseg::data
