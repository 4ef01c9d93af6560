#include "protoseg/train/segmentation_loss.h"

#include <cmath>

#include <gtest/gtest.h>
#include <torch/torch.h>

namespace protoseg::train {
namespace {

TEST(SegmentationLossTest, DiceAndBceByHand) {
  // Two pixels: logits 0 and log(3) (probabilities 0.5 and 0.75), truth 1 and 0.
  const torch::Tensor logits = torch::tensor({0.0F, std::log(3.0F)}).view({1, 1, 1, 2});
  const torch::Tensor masks = torch::tensor({1.0F, 0.0F}).view({1, 1, 1, 2});
  const double dice = 1.0 - (2 * 0.5 + 1e-5) / (1.25 + 1.0 + 1e-5);
  const double bce = (-std::log(0.5) - std::log(0.25)) / 2;
  EXPECT_NEAR(dice_bce_loss(logits, masks).item<double>(), dice + bce, 1e-6);
}

TEST(SegmentationLossTest, ConfidentCorrectPredictionCostsAlmostNothing) {
  const torch::Tensor masks = torch::tensor({1.0F, 0.0F, 1.0F, 0.0F}).view({1, 1, 2, 2});
  EXPECT_LT(dice_bce_loss((masks * 2 - 1) * 30, masks).item<double>(), 1e-4);
  EXPECT_THROW(dice_bce_loss(torch::zeros({1, 1, 2, 3}), masks), c10::Error);
}

}  // namespace
}  // namespace protoseg::train
