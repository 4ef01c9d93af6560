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
  kOracle,         ///< q from the query slice's true total foreground count (OCP)
};
// AvgEst and LinEst for the multi-class head need ideal priors of multi-foreground training
// episodes (several supervoxels per episode); the single-supervoxel priors of the binary
// analysis describe a different quantity and are not used here.

/// "ADNet++", "CE-T", "OCP".
std::string method_name(MultiClassRule rule);
std::vector<MultiClassRule> all_multi_class_rules();

/// The support slice of multi-class evaluation, as the TPM reference picks it: among the
/// slices showing the most distinct classes (organs `labels` and background), the most
/// balanced one (smallest mean -log class share). labels [D, H, W].
int64_t multi_class_support_slice(const at::Tensor& labels, const std::vector<int>& organ_labels);

/// Multi-class few-shot evaluation of fold `fold` (EP2 queries: every slice of every other
/// fold volume): one support slice with all organs, K prototypes, per-pixel argmax over the K
/// organs and background; Dice per query volume and organ for every MultiClassRule
/// (`options.methods` and `options.priors` are not used). Each volume goes through the encoder
/// once.
/// Throws std::runtime_error naming the support volume when no slice shows every organ.
std::vector<DiceRecord> evaluate_fold_multi_class(const models::TiedPrototypeHeadImpl& head,
                                                  const SliceEncoder& encoder,
                                                  const data::VolumeDataset& dataset, int fold,
                                                  const FoldEvaluationOptions& options,
                                                  const PredictionObserver& observer = {});

}  // namespace protoseg::eval
