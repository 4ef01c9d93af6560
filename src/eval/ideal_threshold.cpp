#include "protoseg/eval/ideal_threshold.h"

#include <limits>

#include <torch/torch.h>

namespace protoseg::eval {

at::Tensor ideal_score_threshold(const at::Tensor& scores, const at::Tensor& counts,
                                 bool reference_off_by_one) {
  TORCH_CHECK(scores.dim() == 2 && counts.dim() == 1 && counts.size(0) == scores.size(0),
              "ideal_score_threshold expects scores [B,P] and counts [B], got ", scores.sizes(),
              " and ", counts.sizes());
  TORCH_CHECK(scores.size(1) >= 2, "ideal_score_threshold needs at least two pixels per row");
  torch::NoGradGuard no_grad;
  const int64_t pixels = scores.size(1);
  const at::Tensor sorted = std::get<0>(scores.sort(1));
  const at::Tensor n = counts.to(scores.device(), torch::kLong);
  const at::Tensor first = reference_off_by_one ? n : n - 1;
  const at::Tensor index = first.clamp(0, pixels - 2).unsqueeze(1);
  const at::Tensor boundary =
      ((sorted.gather(1, index) + sorted.gather(1, index + 1)) / 2).squeeze(1);
  const double inf = std::numeric_limits<double>::infinity();
  return torch::where(
      n.le(0), torch::full_like(boundary, -inf),
      torch::where(first.ge(pixels - 1), torch::full_like(boundary, inf), boundary));
}

}  // namespace protoseg::eval
