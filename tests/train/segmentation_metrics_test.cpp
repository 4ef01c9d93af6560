#include "protoseg/train/segmentation_metrics.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

namespace protoseg::train {
namespace {

TEST(SegmentationMetricsTest, PerImageMeansAndPooledByHand) {
  // Image 0: 2 predicted, 4 true, 2 overlapping -> Dice 4/6, IoU 2/4.
  // Image 1: both empty -> Dice 1, IoU 1.
  torch::Tensor logits = torch::full({2, 1, 2, 2}, -5.0);
  torch::Tensor masks = torch::zeros({2, 1, 2, 2});
  logits[0][0][0].fill_(5.0);
  masks[0][0].fill_(1.0);
  SegmentationMetrics metrics;
  metrics.add(logits, masks);
  const SegmentationSummary summary = metrics.summary();
  EXPECT_EQ(summary.images, 2);
  EXPECT_NEAR(summary.mean_dice, (4.0 / 6.0 + 1.0) / 2, 1e-12);
  EXPECT_NEAR(summary.mean_iou, (0.5 + 1.0) / 2, 1e-12);
  EXPECT_NEAR(summary.micro_dice, 4.0 / 6.0, 1e-12);
  EXPECT_NEAR(summary.micro_iou, 0.5, 1e-12);
  EXPECT_EQ(metrics.images()[0].intersection, 2);
}

TEST(SegmentationMetricsTest, ThresholdIsOnTheProbability) {
  const torch::Tensor logits = torch::tensor({0.1F, -0.1F}).view({1, 1, 1, 2});  // p 0.525, 0.475
  const torch::Tensor masks = torch::tensor({1.0F, 1.0F}).view({1, 1, 1, 2});
  SegmentationMetrics half;
  half.add(logits, masks);
  EXPECT_EQ(half.images()[0].predicted, 1);
  SegmentationMetrics strict(0.6);
  strict.add(logits, masks);
  EXPECT_EQ(strict.images()[0].predicted, 0);
  EXPECT_THROW(half.add(torch::zeros({1, 1, 2}), torch::zeros({1, 1, 2})), c10::Error);
}

}  // namespace
}  // namespace protoseg::train
