#include "protoseg/train/few_shot_losses.h"

#include <cmath>
#include <limits>

#include <gtest/gtest.h>
#include <torch/torch.h>

namespace protoseg::train {
namespace {

TEST(FewShotLossesTest, WeightedNllMatchesHandComputation) {
  // Two pixels: background with p_bg = 0.8, foreground with p_fg = 0.6; weights [0.1, 1].
  at::Tensor p = torch::zeros({1, 2, 1, 2});
  p[0][0][0][0] = 0.8f;
  p[0][1][0][0] = 0.2f;
  p[0][0][0][1] = 0.4f;
  p[0][1][0][1] = 0.6f;
  const at::Tensor labels = torch::tensor({0, 1}, torch::kLong).reshape({1, 1, 2});
  const double expected = -(0.1 * std::log(0.8) + 1.0 * std::log(0.6)) / 1.1;
  EXPECT_NEAR(probability_nll(p, labels, torch::tensor({0.1f, 1.0f})).item<double>(), expected,
              1e-6);
  // 255 is ignored; probabilities are clamped away from 0.
  const at::Tensor ignored = torch::tensor({255, 1}, torch::kLong).reshape({1, 1, 2});
  EXPECT_NEAR(probability_nll(p, ignored).item<double>(), -std::log(0.6), 1e-6);
  p[0][1][0][1] = 0.0f;
  EXPECT_NEAR(probability_nll(p, ignored).item<double>(),
              -std::log(std::numeric_limits<float>::epsilon()), 1e-3);
}

// Features whose distance to the prototype is known per pixel: one channel pair (cos, sin).
at::Tensor features_with_cosines(const at::Tensor& cosines) {
  return torch::stack({cosines, torch::sqrt(1 - cosines * cosines)}).unsqueeze(0);
}

TEST(FewShotLossesTest, IdealThresholdSplitsTheSortedDistances) {
  // 1x4 image at full resolution (features already at mask size): cosines 1, 0.9, 0.5, 0.
  const at::Tensor cosines = torch::tensor({{1.0f, 0.9f, 0.5f, 0.0f}});
  const at::Tensor features = features_with_cosines(cosines);
  const at::Tensor prototype = torch::tensor({{1.0f, 0.0f}});
  const at::Tensor mask = torch::tensor({{1.0f, 1.0f, 0.0f, 0.0f}});
  const auto d = [](double c) { return std::sqrt(2 * (1 - c) + 1.1920929e-07); };
  // Two foreground pixels: the boundary is between the 2nd and 3rd smallest distances.
  EXPECT_NEAR(ideal_distance_threshold(features, prototype, mask).item<double>(),
              (d(0.9) + d(0.5)) / 2, 1e-5);
  // The reference is one pixel off: between the 3rd and 4th.
  EXPECT_NEAR(ideal_distance_threshold(features, prototype, mask, true).item<double>(),
              (d(0.5) + d(0.0)) / 2, 1e-5);
  // No boundary for an empty or a full mask.
  EXPECT_TRUE(std::isnan(
      ideal_distance_threshold(features, prototype, torch::zeros({1, 4})).item<double>()));
  EXPECT_TRUE(std::isnan(
      ideal_distance_threshold(features, prototype, torch::ones({1, 4})).item<double>()));
}

TEST(FewShotLossesTest, AlignmentLossIsZeroForAnEmptyQueryPrediction) {
  models::TiedPrototypeHead head;
  models::FewShotPrediction prediction;
  prediction.support_features = torch::randn({1, 8, 4, 4}, torch::requires_grad());
  prediction.query_features = torch::randn({1, 8, 4, 4}, torch::requires_grad());
  prediction.threshold = head->threshold();
  prediction.query_foreground = torch::zeros({1, 1, 4, 4});
  const at::Tensor masks = torch::zeros({1, 16, 16});
  masks.slice(1, 4, 12).slice(2, 4, 12).fill_(1.0f);
  const at::Tensor empty = prototype_alignment_loss(*head, prediction, masks);
  EXPECT_EQ(empty.item<float>(), 0.0f);

  prediction.query_foreground = torch::ones({1, 1, 4, 4});
  const at::Tensor loss = prototype_alignment_loss(*head, prediction, masks);
  EXPECT_GT(loss.item<float>(), 0.0f);
  loss.backward();
  EXPECT_GT(prediction.query_features.grad().abs().sum().item<float>(), 0.0f);
  EXPECT_GT(head->threshold_parameter.grad().abs().item<float>(), 0.0f);
}

}  // namespace
}  // namespace protoseg::train
