#pragma once

#include <ATen/core/Tensor.h>
#include <c10/core/Device.h>

#include "protoseg/data/episode.h"
#include "protoseg/models/few_shot_segmenter.h"
#include "protoseg/train/train_config.h"

namespace protoseg::train {

/// An episode's tensors batched for the segmenter, on one device.
struct EpisodeBatch {
  at::Tensor support_images;  ///< [1, 1, H, W]
  at::Tensor support_masks;   ///< [1, H, W] float
  at::Tensor query_images;    ///< [1, 1, H, W]
  at::Tensor query_labels;    ///< [1, H, W] int64 in {0, 1}: the first structure
  /// Multi-foreground episodes: label maps [1, H, W] int64 (0 background, 1..K structures).
  at::Tensor support_labels;
  at::Tensor query_class_labels;
  int64_t foreground_count = 1;  ///< K; episode_losses uses the multi-class objective if > 1
};

EpisodeBatch to_batch(const data::Episode& episode, const c10::Device& device);

/// The loss terms of one training episode (all float32 scalars except where noted).
struct EpisodeLosses {
  at::Tensor total;      ///< query + alignment_weight * alignment + threshold_weight * T_S/alpha
  at::Tensor query;      ///< weighted NLL of the query prediction
  at::Tensor alignment;  ///< PANet alignment loss
  at::Tensor threshold_loss;    ///< T_S / alpha (ADNet's T-loss before weighting)
  at::Tensor threshold;         ///< T_S, [1]
  at::Tensor ideal_threshold;   ///< ideal distance threshold of this query, [1] (no gradient)
  at::Tensor query_foreground;  ///< [1, 2, H, W] predicted probabilities (for Dice)
};

/// Runs the segmenter on `batch` (p_F = 0.5) and computes the ADNet/TPM training objective;
/// episodes with several structures go to multi_class_episode_losses (the same objective for
/// K = 1).
EpisodeLosses episode_losses(models::FewShotSegmenterImpl& model, const EpisodeBatch& batch,
                             const LossConfig& loss);

/// The binary ADNet/TPM objective of a prediction already made (episode_losses without the
/// forward pass; for tests on given features).
EpisodeLosses binary_episode_losses(models::TiedPrototypeHeadImpl& head,
                                    const models::FewShotPrediction& prediction,
                                    const EpisodeBatch& batch, const LossConfig& loss);

/// Dice 2TP / (2TP + FP + FN) of `probabilities[:, 1] > 0.5` against labels [B, H, W]; 1 when
/// both are empty.
double foreground_dice(const at::Tensor& probabilities, const at::Tensor& labels);

}  // namespace protoseg::train
