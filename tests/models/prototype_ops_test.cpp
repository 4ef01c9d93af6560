#include "protoseg/models/prototype_ops.h"

#include <array>
#include <cmath>
#include <vector>

#include <gtest/gtest.h>
#include <torch/torch.h>

namespace protoseg::models {
namespace {

TEST(PrototypeOpsTest, MaskedAveragePoolingOfConstantFeatures) {
  // Channel 0 is 2 everywhere, channel 1 is -1: any non-empty mask averages to (2, -1).
  const at::Tensor features =
      torch::stack({torch::full({4, 4}, 2.0f), torch::full({4, 4}, -1.0f)}).unsqueeze(0);
  at::Tensor mask = torch::zeros({1, 8, 8});
  mask[0][3][5] = 1.0f;
  mask[0][6][1] = 1.0f;
  const at::Tensor prototype = masked_average_pooling(features, mask);
  EXPECT_NEAR(prototype[0][0].item<float>(), 2.0 * 2 / (2 + 1e-5), 1e-6);
  EXPECT_NEAR(prototype[0][1].item<float>(), -1.0 * 2 / (2 + 1e-5), 1e-6);
  // An empty mask gives a zero prototype, not NaN.
  EXPECT_TRUE(torch::equal(masked_average_pooling(features, torch::zeros({1, 8, 8})),
                           torch::zeros({1, 2})));
}

TEST(PrototypeOpsTest, MaskedAveragePoolingUpsamplesFeaturesFirst) {
  // A horizontal ramp on a 2x2 grid, upsampled to 4x4 (align_corners = false):
  // columns 0.0, 0.25, 0.75, 1.0.
  const at::Tensor features = torch::tensor({{0.0f, 1.0f}, {0.0f, 1.0f}}).reshape({1, 1, 2, 2});
  at::Tensor mask = torch::zeros({1, 4, 4});
  mask.select(2, 1).fill_(1.0f);
  EXPECT_NEAR(masked_average_pooling(features, mask).item<float>(), 0.25 * 4 / (4 + 1e-5), 1e-6);
}

at::Tensor upsample(const at::Tensor& x, int64_t h, int64_t w, bool align_corners) {
  namespace F = torch::nn::functional;
  return F::interpolate(x, F::InterpolateFuncOptions()
                               .size(std::vector<int64_t>{h, w})
                               .mode(torch::kBilinear)
                               .align_corners(align_corners));
}

TEST(PrototypeOpsTest, InterpolationMatricesReproduceBilinearInterpolate) {
  torch::manual_seed(0);
  for (bool align_corners : {false, true}) {
    for (auto [h, w, out_h, out_w] : std::vector<std::array<int64_t, 4>>{
             {32, 32, 256, 256}, {5, 7, 13, 9}, {8, 8, 3, 5}, {1, 4, 6, 8}}) {
      const at::Tensor x = torch::randn({h, w});
      const at::Tensor uy = interpolation_matrix(h, out_h, align_corners, x.options());
      const at::Tensor ux = interpolation_matrix(w, out_w, align_corners, x.options());
      const at::Tensor expected =
          upsample(x.reshape({1, 1, h, w}), out_h, out_w, align_corners)[0][0];
      EXPECT_TRUE(
          torch::allclose(torch::matmul(torch::matmul(uy, x), ux.t()), expected, 1e-5, 1e-5))
          << h << "x" << w << " -> " << out_h << "x" << out_w << " align " << align_corners;
    }
  }
}

TEST(PrototypeOpsTest, PooledPrototypeEqualsPoolingTheUpsampledFeatures) {
  torch::manual_seed(1);
  const at::Tensor features = torch::randn({2, 16, 32, 32});
  const at::Tensor masks = (torch::rand({2, 256, 256}) > 0.7).to(torch::kFloat);
  const at::Tensor up = upsample(features, 256, 256, false);
  const at::Tensor m = masks.unsqueeze(1);
  const at::Tensor expected = (up * m).sum({2, 3}) / (m.sum({2, 3}) + 1e-5);
  EXPECT_TRUE(torch::allclose(masked_average_pooling(features, masks), expected, 1e-4, 1e-5));
}

TEST(PrototypeOpsTest, UpsampledCosineEqualsCosineOfUpsampledFeatures) {
  torch::manual_seed(2);
  const at::Tensor features = torch::randn({1, 64, 32, 32});
  const at::Tensor prototype = torch::randn({1, 64});
  const at::Tensor expected = prototype_cosine(upsample(features, 256, 256, false), prototype)[0];
  const at::Tensor actual = upsampled_prototype_cosine(features, prototype, 256, 256);
  EXPECT_TRUE(torch::allclose(actual, expected, 1e-4, 1e-5))
      << (actual - expected).abs().max().item<float>();
}

TEST(PrototypeOpsTest, CosineAndSphereDistance) {
  const at::Tensor features =
      torch::tensor({{3.0f, 0.0f}, {0.0f, -2.0f}}).t().reshape({1, 2, 1, 2});
  // features at the two pixels: (3, 0) and (0, -2).
  const at::Tensor prototype = torch::tensor({{1.0f, 0.0f}});
  const at::Tensor cosine = prototype_cosine(features, prototype);
  EXPECT_NEAR(cosine[0][0][0].item<float>(), 1.0, 1e-6);
  EXPECT_NEAR(cosine[0][0][1].item<float>(), 0.0, 1e-6);
  const at::Tensor distance = sphere_distance(cosine);
  EXPECT_NEAR(distance[0][0][0].item<float>(), std::sqrt(1.1920929e-07), 1e-6);
  EXPECT_NEAR(distance[0][0][1].item<float>(), std::sqrt(2.0), 1e-6);
}

}  // namespace
}  // namespace protoseg::models
