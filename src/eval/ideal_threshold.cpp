#include "protoseg/eval/ideal_threshold.h"

#include <limits>

#include <torch/torch.h>

namespace protoseg::eval {

at::Tensor ideal_score_threshold(const at::Tensor& scores, const at::Tensor& counts,
                                 IdealBoundary boundary) {
  TORCH_CHECK(scores.dim() == 2 && counts.dim() == 1 && counts.size(0) == scores.size(0),
              "ideal_score_threshold expects scores [B,P] and counts [B], got ", scores.sizes(),
              " and ", counts.sizes());
  TORCH_CHECK(scores.size(1) >= 2, "ideal_score_threshold needs at least two pixels per row");
  torch::NoGradGuard no_grad;
  const int64_t pixels = scores.size(1);
  const at::Tensor sorted = std::get<0>(scores.sort(1));
  const at::Tensor n = counts.to(scores.device(), torch::kLong);
  auto at = [&sorted, pixels](const at::Tensor& index) {
    return sorted.gather(1, index.clamp(0, pixels - 1).unsqueeze(1)).squeeze(1);
  };
  if (boundary == IdealBoundary::kReferenceAtCount) {
    const at::Tensor extrapolated = (2 * sorted.select(1, 0) - sorted.select(1, 1)).clamp(0.0, 1.0);
    return torch::where(n.gt(0), at(n - 1), extrapolated);
  }
  const bool off_by_one = boundary == IdealBoundary::kReferenceOffByOne;
  const at::Tensor first = off_by_one ? n : n - 1;
  const at::Tensor boundary_value = (at(first) + at(first + 1)) / 2;
  const double inf = std::numeric_limits<double>::infinity();
  at::Tensor result =
      torch::where(first.ge(pixels - 1), torch::full_like(boundary_value, inf), boundary_value);
  if (!off_by_one) result = torch::where(n.le(0), torch::full_like(result, -inf), result);
  return result;
}

}  // namespace protoseg::eval
