#include "protoseg/models/prototype_ops.h"

#include <cmath>

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
