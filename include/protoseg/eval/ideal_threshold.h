#pragma once

#include <ATen/core/Tensor.h>

namespace protoseg::eval {

/// Where the ideal threshold falls in a sorted row s of scores with n true foreground pixels.
enum class IdealBoundary {
  /// (s[n-1] + s[n]) / 2: exactly the n lowest scores are foreground (ours). n = 0 gives -inf
  /// (nothing is foreground) and n >= P gives +inf.
  kMidpoint,
  /// (s[n] + s[n+1]) / 2, the reference's off-by-one boundary of the ideal distance threshold
  /// (analysis) and of the oracles OCP and OCP_MP; defined for n = 0, +inf for n >= P - 1.
  kReferenceOffByOne,
  /// s[n-1], and clip(2 s[0] - s[1], 0, 1) for n = 0: the reference's five-prototype and
  /// multi-class analysis and its multi-class OCP, where the score is itself the prior.
  kReferenceAtCount,
};

/// Ideal threshold on a per-pixel score where lower means "more foreground" (TPM Sec. 3.4): per
/// row of `scores` [B, P] with `counts` [B] true foreground pixels, at `boundary`. Returns [B],
/// the scores' dtype.
///
/// The score is the distance to the prototype for one prototype (IDT; its prior is
/// models::ideal_class_prior) and the background ratio h_B / (h_F + h_B) of Eq. 8 for
/// multi-prototypes, where the threshold itself is the ideal prior.
at::Tensor ideal_score_threshold(const at::Tensor& scores, const at::Tensor& counts,
                                 IdealBoundary boundary = IdealBoundary::kMidpoint);

}  // namespace protoseg::eval
