#pragma once

#include <string>
#include <vector>

#include <ATen/core/Tensor.h>

#include "protoseg/eval/fold_evaluation.h"
#include "protoseg/eval/multi_class_rule.h"

namespace protoseg::eval {

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
/// organs and background; Dice per query volume and organ for every rule in `rules`
/// (`options.methods` is not used; AvgEst and LinEst need `options.priors` from a
/// multi-foreground analysis, the other rules none). Each volume goes through the encoder once.
/// Throws std::runtime_error naming the support volume when no slice shows every organ.
std::vector<DiceRecord> evaluate_fold_multi_class(
    const models::TiedPrototypeHeadImpl& head, const SliceEncoder& encoder,
    const data::VolumeDataset& dataset, int fold, const FoldEvaluationOptions& options,
    const PredictionObserver& observer = {},
    const std::vector<MultiClassRule>& rules = all_multi_class_rules());

}  // namespace protoseg::eval
