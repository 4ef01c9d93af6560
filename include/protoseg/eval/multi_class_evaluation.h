#pragma once

#include <string>
#include <vector>

#include <ATen/core/Tensor.h>

#include "protoseg/eval/fold_evaluation.h"
#include "protoseg/eval/multi_class_prediction.h"
#include "protoseg/eval/multi_class_rule.h"

namespace protoseg::eval {

/// The slices of a labelled volume [D, H, W] that show the most distinct classes (organs
/// `organ_labels` and background), ascending.
std::vector<int64_t> slices_with_most_classes(const at::Tensor& labels,
                                              const std::vector<int>& organ_labels);

/// The support slice of multi-class evaluation among slices_with_most_classes: a random one
/// drawn from `seed` (the reference's `--supp_slice rand`, used for Table 2), or with
/// `balanced` the most balanced one (smallest mean -log class share; the reference's `bal`).
int64_t multi_class_support_slice(const at::Tensor& labels, const std::vector<int>& organ_labels,
                                  bool balanced, uint64_t seed);

/// Multi-class few-shot evaluation of fold `fold` as the reference's
/// `main_multiclass_inference.py`: every volume of the fold takes its turn as the support (one
/// slice showing every organ, multi_class_support_slice seeded by options.seed and the turn);
/// K prototypes, per-pixel argmax over the K organs and background; 3D Dice per query volume,
/// organ and rule in `rules` (`options.methods` is not used; AvgEst and LinEst need
/// `options.priors` from a multi-foreground analysis). The queries of a turn are the other fold
/// volumes; with `options.reference_compat` they are the reference's: the first n - 2 volumes
/// of the fold, whichever is the support. Every volume goes through the encoder once. When no slice
/// of a support volume shows every organ (ABD-MRI id 32), a missing organ gets an empty mask
/// and so a zero prototype, as in the reference, and a warning names the volume.
std::vector<DiceRecord> evaluate_fold_multi_class(
    const models::TiedPrototypeHeadImpl& head, const SliceEncoder& encoder,
    const data::VolumeDataset& dataset, int fold, const FoldEvaluationOptions& options,
    const PredictionObserver& observer = {},
    const std::vector<MultiClassRule>& rules = all_multi_class_rules());

}  // namespace protoseg::eval
