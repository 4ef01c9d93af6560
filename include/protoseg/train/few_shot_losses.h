#pragma once

#include <ATen/core/Tensor.h>

#include "protoseg/models/few_shot_segmenter.h"
#include "protoseg/models/tied_prototype_head.h"

namespace protoseg::train {

/// Label value ignored by the losses (as in the references).
constexpr int64_t kIgnoreLabel = 255;

/// Negative log-likelihood of probabilities, `NLL(log(clamp(p, eps, 1 - eps)), labels)` with
/// float32 eps. probabilities [B, K, H, W], labels [B, H, W] int64 (255 ignored), class_weights
/// [K] or undefined (unweighted). Weighted mean as torch.nn.NLLLoss.
at::Tensor probability_nll(const at::Tensor& probabilities, const at::Tensor& labels,
                           const at::Tensor& class_weights = {});

/// PANet's prototype alignment loss as ADNet/TPM use it: the query's predicted foreground
/// (P(F) > 0.5 on the feature grid) gives a query prototype, which segments the support with
/// the same threshold; the loss is the unweighted NLL against the support masks [S, H, W],
/// averaged over shots. Zero when the query prediction is empty. No host synchronisation.
at::Tensor prototype_alignment_loss(models::TiedPrototypeHeadImpl& head,
                                    const models::FewShotPrediction& prediction,
                                    const at::Tensor& support_masks);

/// Ideal distance threshold of one query (Sec. 3.4): the distances D of all query pixels to the
/// prototype (features upsampled to the mask, align_corners = false), sorted ascending; with
/// n true foreground pixels the boundary is (D[n-1] + D[n]) / 2. `reference_off_by_one` uses
/// the reference's (D[n] + D[n+1]) / 2 instead. Returns [1]; NaN when the mask is empty or
/// full (no boundary). query_features [1, C, h, w], prototype [1, C], query_mask [H, W].
at::Tensor ideal_distance_threshold(const at::Tensor& query_features, const at::Tensor& prototype,
                                    const at::Tensor& query_mask,
                                    bool reference_off_by_one = false);

}  // namespace protoseg::train
