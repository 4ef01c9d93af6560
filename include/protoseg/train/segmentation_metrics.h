#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <ATen/core/Tensor.h>

namespace protoseg::train {

/// Overlap of one binary prediction with its truth, in pixels.
struct ImageOverlap {
  int64_t predicted = 0;
  int64_t truth = 0;
  int64_t intersection = 0;
  /// 2|P n G| / (|P| + |G|); 1 when both are empty.
  double dice() const;
  /// |P n G| / |P u G|; 1 when both are empty.
  double iou() const;
};

/// Dice and IoU of a test set, both ways the literature reports them.
struct SegmentationSummary {
  int64_t images = 0;
  double mean_dice = 0;   ///< mean over images of the per-image Dice (LViT, ProLearn Eq. 12)
  double mean_iou = 0;    ///< mean over images of the per-image IoU (Eq. 13)
  double micro_dice = 0;  ///< Dice of all pixels pooled
  double micro_iou = 0;   ///< IoU of all pixels pooled
};

/// Accumulates per-image overlaps of thresholded predictions.
class SegmentationMetrics {
 public:
  explicit SegmentationMetrics(double threshold = 0.5) : threshold_(threshold) {}
  /// logits [B, 1, H, W] (probability = sigmoid(logit) >= threshold) against masks
  /// [B, 1, H, W] in {0, 1}; one host sync per batch.
  void add(const at::Tensor& logits, const at::Tensor& masks);
  const std::vector<ImageOverlap>& images() const { return images_; }
  SegmentationSummary summary() const;

 private:
  double threshold_;
  std::vector<ImageOverlap> images_;
};

}  // namespace protoseg::train
