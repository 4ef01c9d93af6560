#include "protoseg/train/episode_objective.h"

#include <torch/torch.h>

#include "protoseg/core/precision.h"
#include "protoseg/train/few_shot_losses.h"
#include "protoseg/train/multi_class_objective.h"

namespace protoseg::train {

EpisodeBatch to_batch(const data::Episode& episode, const c10::Device& device) {
  EpisodeBatch batch;
  batch.support_images = episode.support_image.unsqueeze(0).unsqueeze(0).to(device);
  batch.support_masks = episode.support_mask.unsqueeze(0).to(device);
  batch.query_images = episode.query_image.unsqueeze(0).unsqueeze(0).to(device);
  batch.query_labels = episode.query_mask.round().to(torch::kLong).unsqueeze(0).to(device);
  if (episode.support_labels.defined() && episode.query_labels.defined()) {
    batch.support_labels = episode.support_labels.unsqueeze(0).to(device);
    batch.query_class_labels = episode.query_labels.unsqueeze(0).to(device);
    batch.foreground_count = episode.foreground_count;
  }
  return batch;
}

EpisodeLosses episode_losses(models::FewShotSegmenterImpl& model, const EpisodeBatch& batch,
                             const LossConfig& loss) {
  if (batch.foreground_count > 1) return multi_class_episode_losses(model, batch, loss);
  const models::FewShotPrediction prediction =
      model.forward(batch.support_images, batch.support_masks, batch.query_images);
  return binary_episode_losses(*model.head, prediction, batch, loss);
}

EpisodeLosses binary_episode_losses(models::TiedPrototypeHeadImpl& head,
                                    const models::FewShotPrediction& prediction,
                                    const EpisodeBatch& batch, const LossConfig& loss) {
  // Losses and statistics in float32 even inside an autocast region.
  const core::AutocastDisabledGuard full_precision;
  EpisodeLosses out;
  const at::Tensor weights =
      torch::tensor({loss.background_weight, 1.0}, torch::TensorOptions().dtype(torch::kFloat));
  out.query = probability_nll(prediction.query_probabilities, batch.query_labels, weights);
  out.alignment = prototype_alignment_loss(head, prediction, batch.support_masks);
  out.threshold = prediction.threshold;
  out.threshold_loss = (prediction.threshold / head.options.alpha()).sum();
  out.total = out.query + loss.alignment_weight * out.alignment +
              loss.threshold_weight * out.threshold_loss;
  out.ideal_threshold =
      ideal_distance_threshold(prediction.query_features, prediction.prototype.detach(),
                               batch.query_labels[0], loss.reference_compat);
  out.query_foreground = prediction.query_probabilities.detach();
  return out;
}

double foreground_dice(const at::Tensor& probabilities, const at::Tensor& labels) {
  const at::Tensor predicted = probabilities.select(1, 1).gt(0.5);
  const at::Tensor truth = labels.gt(0);
  const double tp = (predicted & truth).sum().item<double>();
  const double fp = (predicted & ~truth).sum().item<double>();
  const double fn = (~predicted & truth).sum().item<double>();
  return tp + fp + fn == 0 ? 1.0 : 2 * tp / (2 * tp + fp + fn);
}

}  // namespace protoseg::train
