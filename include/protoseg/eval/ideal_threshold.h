#pragma once

#include <ATen/core/Tensor.h>

namespace protoseg::eval {

/// Ideal threshold on a per-pixel score where lower means "more foreground" (TPM Sec. 3.4):
/// per row of `scores` [B, P] with `counts` [B] true foreground pixels, the sorted row s gives
/// the boundary (s[n-1] + s[n]) / 2, which labels exactly the n lowest scores foreground.
/// `reference_off_by_one` uses the reference's (s[n] + s[n+1]) / 2. A row with n = 0 gives
/// -inf (nothing is foreground) and one with no boundary left gives +inf. Returns [B], the
/// scores' dtype.
///
/// The score is the distance to the prototype for one prototype (IDT; its prior is
/// models::ideal_class_prior) and the background ratio h_B / (h_F + h_B) of Eq. 8 for
/// multi-prototypes, where the threshold itself is the ideal prior.
at::Tensor ideal_score_threshold(const at::Tensor& scores, const at::Tensor& counts,
                                 bool reference_off_by_one = false);

}  // namespace protoseg::eval
