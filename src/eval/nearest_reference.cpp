#include "protoseg/eval/nearest_reference.h"

#include <torch/torch.h>

namespace protoseg::eval {

at::Tensor nearest_by_cosine(const at::Tensor& queries, const at::Tensor& references, int64_t k) {
  TORCH_CHECK(queries.dim() == 2 && references.dim() == 2 && queries.size(1) == references.size(1),
              "nearest_by_cosine: queries ", queries.sizes(), " and references ",
              references.sizes(), " must be [N, D] and [M, D]");
  TORCH_CHECK(k >= 1 && k <= references.size(0), "nearest_by_cosine: k = ", k, " for ",
              references.size(0), " references");
  namespace F = torch::nn::functional;
  const auto unit = F::NormalizeFuncOptions().dim(1).eps(1e-8);
  const torch::Tensor q = F::normalize(queries.to(torch::kCPU, torch::kDouble), unit);
  const torch::Tensor r = F::normalize(references.to(torch::kCPU, torch::kDouble), unit);
  // Sorting is stable, so equal similarities keep the reference order.
  const auto [similarity, order] =
      torch::sort(torch::mm(q, r.t()), /*stable=*/true, /*dim=*/1, /*descending=*/true);
  return order.slice(1, 0, k).contiguous();
}

}  // namespace protoseg::eval
