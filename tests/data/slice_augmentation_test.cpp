#include "protoseg/data/slice_augmentation.h"

#include <array>
#include <cmath>

#include <gtest/gtest.h>
#include <torch/torch.h>

namespace protoseg::data {
namespace {

TEST(SliceAugmentationTest, GammaMatchesTheReferenceFormula) {
  at::Tensor image = torch::tensor({{-1.0f, 0.0f}, {1.0f, 3.0f}});
  apply_gamma(image, 2.0);
  // min -1, range = max - min + 1e-5: range * ((x + 1 + 1e-5) / range)^2 - 1
  const double range = 4.0 + 1e-5;
  auto expected = [&](double x) { return range * std::pow((x + 1.0 + 1e-5) / range, 2.0) - 1.0; };
  EXPECT_NEAR(image[0][0].item<float>(), expected(-1.0), 1e-6);
  EXPECT_NEAR(image[0][1].item<float>(), expected(0.0), 1e-6);
  EXPECT_NEAR(image[1][1].item<float>(), expected(3.0), 1e-5);
}

GeometricDraw still(int64_t size) {
  GeometricDraw draw;
  draw.noise_x = torch::zeros({size, size}, torch::kDouble);
  draw.noise_y = torch::zeros({size, size}, torch::kDouble);
  return draw;
}

TEST(SliceAugmentationTest, IdentityDrawLeavesTheSliceUnchanged) {
  const at::Tensor image = torch::rand({32, 32});
  const at::Tensor mask = torch::zeros({1, 32, 32});
  mask.slice(1, 8, 20).slice(2, 10, 25).fill_(1.0f);
  const auto [out_image, out_mask] = geometric_transform(image, mask, still(32), {});
  EXPECT_TRUE(torch::allclose(out_image, image, 1e-6, 1e-6));
  EXPECT_TRUE(torch::equal(out_mask, mask));
}

// OpenCV's getRotationMatrix2D((cx, cy), degrees, scale), written out.
std::array<double, 6> rotation_about(double cx, double cy, double degrees, double scale) {
  const double a = scale * std::cos(degrees * M_PI / 180.0);
  const double b = scale * std::sin(degrees * M_PI / 180.0);
  return {a, b, (1 - a) * cx - b * cy, -b, a, b * cx + (1 - a) * cy};
}

std::array<double, 2> apply(const std::array<double, 6>& m, double x, double y) {
  return {m[0] * x + m[1] * y + m[2], m[3] * x + m[4] * y + m[5]};
}

// Rotation and zoom turn about (H / 2, W // 2) as getRotationMatrix2D; the shear is
// [[1, -sin s], [0, cos s]] about the origin; the product is zoom * shear * shift * rotation.
TEST(SliceAugmentationTest, AffineMatrixIsTheReferenceComposition) {
  AffineParameters rotation;
  rotation.rotation_deg = 5.0;
  const auto r = affine_matrix(rotation, 256, 256);
  const auto expected_rotation = rotation_about(128.0, 128.0, 5.0, 1.0);
  for (int i = 0; i < 6; ++i) EXPECT_NEAR(r[i], expected_rotation[i], 1e-9) << i;

  AffineParameters shear;
  shear.shear_deg = 4.0;
  const auto s = affine_matrix(shear, 256, 256);
  const double t = 4.0 * M_PI / 180.0;
  const std::array<double, 6> expected_shear = {1, -std::sin(t), 0, 0, std::cos(t), 0};
  for (int i = 0; i < 6; ++i) EXPECT_NEAR(s[i], expected_shear[i], 1e-12) << i;

  AffineParameters all;
  all.rotation_deg = -3.0;
  all.shift_x = 2.0;
  all.shift_y = -1.5;
  all.shear_deg = 2.0;
  all.zoom = 1.1;
  const auto m = affine_matrix(all, 256, 256);
  // The chain by hand for the point (10, 20): rotation, shift, shear, zoom about (128, 128).
  auto p = apply(rotation_about(128.0, 128.0, -3.0, 1.0), 10, 20);
  p = {p[0] + 2.0, p[1] - 1.5};
  const double u = 2.0 * M_PI / 180.0;
  p = {p[0] - std::sin(u) * p[1], std::cos(u) * p[1]};
  p = apply(rotation_about(128.0, 128.0, 0.0, 1.1), p[0], p[1]);
  const auto q = apply(m, 10, 20);
  EXPECT_NEAR(q[0], p[0], 1e-9);
  EXPECT_NEAR(q[1], p[1], 1e-9);
}

// The reference blurs the noise with a 21 x 21 kernel for sigma 5 (int(4 sigma) | 1): an impulse
// spreads exactly 10 pixels.
TEST(SliceAugmentationTest, ElasticKernelIsInt4SigmaOr1) {
  at::Tensor noise = torch::zeros({64, 64}, torch::kDouble);
  noise[32][32] = 1.0;
  const at::Tensor field = elastic_displacement(noise, noise, 10.0, 5.0);
  EXPECT_GT(field[0][32][42].item<double>(), 0.0);
  EXPECT_EQ(field[0][32][43].item<double>(), 0.0);
  EXPECT_EQ(field[1][21][32].item<double>(), 0.0);
  EXPECT_NEAR(field[0].sum().item<double>(), 10.0, 1e-9);
}

// The affine warp fills with zeros (cv2.BORDER_CONSTANT); the elastic resampling mirrors.
TEST(SliceAugmentationTest, AffineBorderIsZeroAndMasksRoundHalfToEven) {
  const at::Tensor image = torch::ones({16, 16}) * 3.0f;
  GeometricDraw draw = still(16);
  draw.affine.shift_x = 2.0;  // content moves right: columns 0 and 1 are outside the input
  const at::Tensor mask = torch::zeros({1, 16, 16});
  mask.slice(2, 4, 8).fill_(1.0f);
  const auto [out_image, out_mask] = geometric_transform(image, mask, draw, {});
  EXPECT_EQ(out_image.slice(1, 0, 2).abs().max().item<float>(), 0.0f);
  EXPECT_TRUE(torch::allclose(out_image.slice(1, 2), torch::full({16, 14}, 3.0f)));
  EXPECT_TRUE(torch::equal(out_mask[0].slice(1, 6, 10), torch::ones({16, 4})));
  EXPECT_EQ(out_mask.sum().item<float>(), 64.0f);

  draw = still(16);
  draw.affine.shift_x = 0.5;  // the mask's edge columns become exactly 0.5: rounded to 0
  const auto half = geometric_transform(image, mask, draw, {}).second;
  EXPECT_EQ(half.sum().item<float>(), 16.0f * 3.0f);
}

TEST(SliceAugmentationTest, RandomDrawKeepsTheMaskBinaryAndNearby) {
  const at::Tensor image = torch::rand({64, 64});
  const at::Tensor mask = torch::zeros({1, 64, 64});
  mask.slice(1, 20, 44).slice(2, 20, 44).fill_(1.0f);
  std::mt19937_64 rng(5);
  const SliceAugmentationOptions options;
  const GeometricDraw draw = draw_geometric(64, 64, options, rng);
  EXPECT_GE(draw.affine.zoom, 0.9);
  EXPECT_LE(draw.affine.zoom, 1.2);
  EXPECT_LE(std::abs(draw.affine.rotation_deg), 5.0);
  const auto [out_image, out_mask] = geometric_transform(image, mask, draw, options);
  EXPECT_TRUE(torch::equal(out_mask, out_mask.round()));
  const double area = out_mask.sum().item<double>();
  // Zoom 0.9-1.2 scales the 576 px square by 0.81-1.44; elastic noise adds a little.
  EXPECT_GT(area, 0.7 * 576);
  EXPECT_LT(area, 1.6 * 576);
  EXPECT_FALSE(torch::equal(out_image, image));
}

}  // namespace
}  // namespace protoseg::data
