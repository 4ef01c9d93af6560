#pragma once

#include <ATen/core/Tensor.h>

#include "protoseg/eval/support_prototypes.h"
#include "protoseg/models/tied_prototype_head.h"

namespace protoseg::eval {

/// Binary segmentation of a stack of query slices from one support (TPM Eq. 7 and 8), for any
/// foreground prior. Probabilities are computed on the feature grid and upsampled to the
/// image size bilinearly (align_corners = true), as the references do; the oracle rules work
/// on the upsampled score maps.
class BinaryPredictor {
 public:
  /// query_features [D, C, h, w] float32; the head supplies alpha, the learned threshold and
  /// the sigma_F / sigma_B buffers.
  BinaryPredictor(const models::TiedPrototypeHeadImpl& head, const SupportPrototypes& support,
                  at::Tensor query_features, int64_t image_size);

  /// P(F|x) > 0.5 at image size, [D, S, S] bool. prior: p_F as a tensor broadcastable to [D]
  /// (a scalar or one per slice). One prototype: Eq. 7 with T_S at p_F = 0.5 and the prior as
  /// log-odds; multi-prototype: Eq. 8 with the mixture.
  at::Tensor predict(bool multi_prototype, const at::Tensor& prior) const;

  /// P(F|x) of predict() before the threshold, [D, S, S] float32.
  at::Tensor probability(bool multi_prototype, const at::Tensor& prior) const;

  /// Per-pixel score at image size where lower is more foreground, [D, S, S]: the distance to
  /// the prototype, or the multi-prototype background ratio h_B / (h_F + h_B).
  at::Tensor score_map(bool multi_prototype) const;

  /// Ideal priors of each slice given its true mask [D, S, S] (the training analysis behind
  /// AvgEst and LinEst): one prototype, the ideal class prior of the ideal distance threshold;
  /// multi-prototype, the ideal threshold of the background ratio. [D] float64, NaN for slices
  /// without a boundary (empty or full mask). `reference_off_by_one`: the reference's
  /// analysis (IdealBoundary::kReferenceOffByOne for one prototype; for five,
  /// kReferenceAtCount on the background ratio upsampled from the feature grid).
  at::Tensor ideal_priors(bool multi_prototype, const at::Tensor& true_masks,
                          bool reference_off_by_one) const;

  /// OCP prediction: the slice's n lowest scores are foreground, n from the true mask
  /// (exactly so, up to ties); reference_off_by_one shifts the boundary as the reference does.
  at::Tensor predict_oracle(bool multi_prototype, const at::Tensor& true_masks,
                            bool reference_off_by_one) const;

 private:
  at::Tensor upsample(const at::Tensor& grid) const;  // [D, ...h, w] -> [D, ..., S, S]
  void require_mixture() const;  // throws unless the support came with a mixture
  // h_B / (h_F + h_B) of Eq. 8 from mixture cosines [D, K, ...] -> [D, ...].
  at::Tensor background_ratio(const at::Tensor& cosines) const;

  const models::TiedPrototypeHeadImpl& head_;
  const SupportPrototypes& support_;
  at::Tensor single_cosine_;   // [D, h, w]
  at::Tensor mixture_cosine_;  // [D, K, h, w]
  int64_t image_size_;
};

}  // namespace protoseg::eval
