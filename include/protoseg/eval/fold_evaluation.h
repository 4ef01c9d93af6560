#pragma once

#include <string>
#include <vector>

#include <c10/core/Device.h>

#include "protoseg/core/precision.h"
#include "protoseg/data/volume_dataset.h"
#include "protoseg/models/few_shot_segmenter.h"

namespace protoseg::eval {

/// Settings of the few-shot evaluation protocol EP2 (TPM, SSL-ALPNet).
struct FoldEvaluationOptions {
  /// Slices are resized to this size for the network (probabilities are resized back).
  int image_size = 256;
  /// Query slices per forward pass.
  int batch_size = 8;
  /// The support slice is the one at int(position * n) among the n slices holding the organ.
  double support_position = 0.5;
  c10::Device device = c10::kCPU;
  core::Precision precision = core::Precision::kFloat32;
};

/// Dice of one organ on one query volume, for each inference rule.
struct OrganDice {
  std::string organ;
  int label = 0;
  int support_id = 0;     ///< numeric id of the support volume
  int support_slice = 0;  ///< z index of the support slice in it
  int query_id = 0;
  double ce_t = 0.0;     ///< p_F = 0.5 with the learned threshold (CE-T; "ADNet" with T-loss)
  double avg_est = 0.0;  ///< p_F from the EMA of training ideal thresholds (AvgEst)
};

/// EP2 on fold `fold` of `dataset`: the fold's last volume is the support; for every organ of
/// the dataset's labels its slice at int(support_position * n) among the n slices containing
/// the organ is the support slice; every slice of every other fold volume is a query. Volumes
/// are z-scored; the 3D prediction is P(F|x) > 0.5 per slice. The model is used in eval mode
/// without gradients. Throws std::runtime_error naming the volume when the support lacks an
/// organ.
std::vector<OrganDice> evaluate_fold(models::FewShotSegmenterImpl& model,
                                     const data::VolumeDataset& dataset, int fold,
                                     const FoldEvaluationOptions& options);

}  // namespace protoseg::eval
