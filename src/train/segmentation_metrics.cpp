#include "protoseg/train/segmentation_metrics.h"

#include <cmath>

#include <torch/torch.h>

namespace protoseg::train {

double ImageOverlap::dice() const {
  const int64_t total = predicted + truth;
  return total == 0 ? 1.0 : 2.0 * static_cast<double>(intersection) / static_cast<double>(total);
}

double ImageOverlap::iou() const {
  const int64_t united = predicted + truth - intersection;
  return united == 0 ? 1.0 : static_cast<double>(intersection) / static_cast<double>(united);
}

void SegmentationMetrics::add(const at::Tensor& logits, const at::Tensor& masks) {
  TORCH_CHECK(logits.dim() == 4 && logits.sizes() == masks.sizes(), "segmentation metrics: logits ",
              logits.sizes(), " and masks ", masks.sizes(), " must both be [B, 1, H, W]");
  TORCH_CHECK(threshold_ > 0 && threshold_ < 1, "segmentation metrics: threshold ", threshold_,
              " must lie in (0, 1)");
  // sigmoid(x) >= t  <=>  x >= logit(t)
  const double logit_threshold = std::log(threshold_ / (1.0 - threshold_));
  const torch::Tensor predicted = logits.to(torch::kFloat).ge(logit_threshold).flatten(1);
  const torch::Tensor truth = masks.gt(0.5).flatten(1);
  const torch::Tensor counts =
      torch::stack({predicted.sum(1), truth.sum(1), predicted.logical_and(truth).sum(1)}, 1)
          .to(torch::kCPU, torch::kLong);
  const auto access = counts.accessor<int64_t, 2>();
  for (int64_t b = 0; b < counts.size(0); ++b) {
    images_.push_back({access[b][0], access[b][1], access[b][2]});
  }
}

SegmentationSummary SegmentationMetrics::summary() const {
  SegmentationSummary summary;
  summary.images = static_cast<int64_t>(images_.size());
  ImageOverlap pooled;
  for (const ImageOverlap& image : images_) {
    summary.mean_dice += image.dice();
    summary.mean_iou += image.iou();
    pooled.predicted += image.predicted;
    pooled.truth += image.truth;
    pooled.intersection += image.intersection;
  }
  if (summary.images > 0) {
    summary.mean_dice /= static_cast<double>(summary.images);
    summary.mean_iou /= static_cast<double>(summary.images);
  }
  summary.micro_dice = pooled.dice();
  summary.micro_iou = pooled.iou();
  return summary;
}

}  // namespace protoseg::train
