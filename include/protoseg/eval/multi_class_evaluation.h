#pragma once

#include <string>
#include <vector>

#include <ATen/core/Tensor.h>

#include "protoseg/eval/fold_evaluation.h"

namespace protoseg::eval {

/// Multi-class inference rules (TPM Sec. 3.5, Table 2). All use one MAP prototype per organ
/// from a single support slice that shows every organ.
enum class MultiClassRule {
  kAdnetPlusPlus,  ///< per-organ binary posteriors (p_F = 0.5), background 1 - max
  kCeT,            ///< Eq. 9 with total foreground prior q = 0.5
  kAvgEst,         ///< q = mean ideal total foreground prior of multi-foreground training
                   ///< episodes (TrainingPriors::average_multi_class)
  kLinEst,         ///< q from TrainingPriors::linear_multi_class (location, support size)
  kOracle,         ///< q from the query slice's true total foreground count (OCP)
};

/// "ADNet++", "CE-T", "AvgEst", "LinEst", "OCP".
std::string method_name(MultiClassRule rule);
std::vector<MultiClassRule> all_multi_class_rules();

/// The support slice of multi-class evaluation, as the TPM reference picks it: among the
/// slices showing the most distinct classes (organs `labels` and background), the most
/// balanced one (smallest mean -log class share). labels [D, H, W].
int64_t multi_class_support_slice(const at::Tensor& labels, const std::vector<int>& organ_labels);

/// The ideal total foreground prior of each slice (Eq. 9): the ideal threshold of the score
/// `H_B / (max_k h_F,k + H_B)` at full resolution (cosines [D, K, h, w] upsampled with
/// align_corners = true to size x size) for `foreground_counts` [D] true foreground pixels.
/// [D]; -inf / +inf for slices with no boundary (see ideal_score_threshold).
at::Tensor multi_class_ideal_prior(const models::TiedPrototypeHeadImpl& head,
                                   const at::Tensor& cosines, const at::Tensor& foreground_counts,
                                   int64_t size);

/// Multi-class few-shot evaluation of fold `fold` (EP2 queries: every slice of every other
/// fold volume): one support slice with all organs, K prototypes, per-pixel argmax over the K
/// organs and background; Dice per query volume and organ for every MultiClassRule
/// (`options.methods` is not used; AvgEst and LinEst need `options.priors` from a
/// multi-foreground analysis). Each volume goes through the encoder once.
/// Throws std::runtime_error naming the support volume when no slice shows every organ.
std::vector<DiceRecord> evaluate_fold_multi_class(const models::TiedPrototypeHeadImpl& head,
                                                  const SliceEncoder& encoder,
                                                  const data::VolumeDataset& dataset, int fold,
                                                  const FoldEvaluationOptions& options,
                                                  const PredictionObserver& observer = {});

}  // namespace protoseg::eval
