#include "protoseg/models/prototype_ops.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include <torch/torch.h>

namespace protoseg::models {

namespace F = torch::nn::functional;

at::Tensor interpolation_matrix(int64_t in, int64_t out, bool align_corners,
                                const at::TensorOptions& options) {
  std::vector<float> weights(static_cast<size_t>(out * in), 0.0f);
  // The source coordinate of each output index, as ATen's area_pixel_compute_source_index.
  const float scale = align_corners ? (out > 1 ? static_cast<float>(in - 1) / (out - 1) : 0.0f)
                                    : static_cast<float>(in) / out;
  for (int64_t i = 0; i < out; ++i) {
    float source = align_corners ? scale * i : std::max(scale * (i + 0.5f) - 0.5f, 0.0f);
    const auto low = std::min(static_cast<int64_t>(source), in - 1);
    const int64_t high = low < in - 1 ? low + 1 : low;
    const float lambda = std::min(source - low, 1.0f);
    weights[i * in + low] += 1.0f - lambda;
    weights[i * in + high] += lambda;
  }
  return torch::from_blob(weights.data(), {out, in}, torch::kFloat).clone().to(options);
}

at::Tensor masked_average_pooling(const at::Tensor& features, const at::Tensor& masks) {
  TORCH_CHECK(features.dim() == 4 && masks.dim() == 3 && features.size(0) == masks.size(0),
              "masked_average_pooling expects features [B,C,h,w] and masks [B,H,W], got ",
              features.sizes(), " and ", masks.sizes());
  const auto options = features.options().dtype(torch::kFloat);
  const at::Tensor uy = interpolation_matrix(features.size(2), masks.size(1), false, options);
  const at::Tensor ux = interpolation_matrix(features.size(3), masks.size(2), false, options);
  const at::Tensor m = masks.to(options);
  // sum_ij (Uy f Ux^T)_ij m_ij = sum_ab f_ab (Uy^T m Ux)_ab
  const at::Tensor pulled_back = torch::matmul(torch::matmul(uy.t(), m), ux);  // [B, h, w]
  const at::Tensor total = (features.to(torch::kFloat) * pulled_back.unsqueeze(1)).sum({2, 3});
  return total / (m.sum({1, 2}).unsqueeze(1) + 1e-5);
}

at::Tensor prototype_cosine(const at::Tensor& features, const at::Tensor& prototypes) {
  TORCH_CHECK(features.dim() == 4 && prototypes.dim() == 2 &&
                  features.size(0) == prototypes.size(0) && features.size(1) == prototypes.size(1),
              "prototype_cosine expects features [B,C,h,w] and prototypes [B,C], got ",
              features.sizes(), " and ", prototypes.sizes());
  return F::cosine_similarity(features, prototypes.unsqueeze(-1).unsqueeze(-1),
                              F::CosineSimilarityFuncOptions().dim(1));
}

at::Tensor prototype_cosines(const at::Tensor& features, const at::Tensor& prototypes) {
  TORCH_CHECK(
      features.dim() == 4 && prototypes.dim() == 2 && features.size(1) == prototypes.size(1),
      "prototype_cosines expects features [B,C,h,w] and prototypes [K,C], got ", features.sizes(),
      " and ", prototypes.sizes());
  const at::Tensor unit_features = features / features.norm(2, {1}, true).clamp_min(1e-8);
  const at::Tensor unit_prototypes = prototypes / prototypes.norm(2, {1}, true).clamp_min(1e-8);
  return torch::einsum("bchw,kc->bkhw", {unit_features, unit_prototypes.to(features.dtype())});
}

at::Tensor upsample_aligned(const at::Tensor& grid, int64_t height, int64_t width) {
  return F::interpolate(grid, F::InterpolateFuncOptions()
                                  .size(std::vector<int64_t>{height, width})
                                  .mode(torch::kBilinear)
                                  .align_corners(true));
}

at::Tensor upsampled_prototype_cosine(const at::Tensor& features, const at::Tensor& prototype,
                                      int64_t height, int64_t width) {
  TORCH_CHECK(features.dim() == 4 && features.size(0) == 1 && prototype.dim() == 2 &&
                  prototype.size(1) == features.size(1),
              "upsampled_prototype_cosine expects features [1,C,h,w] and prototype [1,C], got ",
              features.sizes(), " and ", prototype.sizes());
  torch::NoGradGuard no_grad;
  const at::Tensor f = features[0].to(torch::kFloat);  // [C, h, w]
  const at::Tensor p = prototype[0].to(torch::kFloat);
  const auto options = f.options();
  const at::Tensor uy = interpolation_matrix(f.size(1), height, false, options);  // [H, h]
  const at::Tensor ux = interpolation_matrix(f.size(2), width, false, options);   // [W, w]

  // Dot products with the prototype interpolate linearly.
  const at::Tensor dot = torch::einsum("c,chw->hw", {p, f});
  const at::Tensor dot_up = torch::matmul(torch::matmul(uy, dot), ux.t());  // [H, W]

  // Squared norms: interpolate along x first (g = f Ux^T, [C, h, W]); along y each output row
  // mixes rows k and k+1 of g, so |Uy g|^2 needs only |g_k|^2 and <g_k, g_k+1>.
  const at::Tensor g = torch::matmul(f, ux.t());
  const at::Tensor norms = g.pow(2).sum(0);  // [h, W]
  at::Tensor norm2_up = torch::matmul(uy.pow(2), norms);
  if (f.size(1) > 1) {
    const at::Tensor neighbours = (g.slice(1, 0, -1) * g.slice(1, 1)).sum(0);  // [h-1, W]
    const at::Tensor pairs = uy.slice(1, 0, -1) * uy.slice(1, 1);              // [H, h-1]
    norm2_up = norm2_up + 2.0 * torch::matmul(pairs, neighbours);
  }
  // As torch's cosine_similarity: x.y / sqrt(max(|x|^2 |y|^2, eps^2)), eps = 1e-8.
  const at::Tensor denominator = torch::sqrt(torch::clamp_min(norm2_up * p.pow(2).sum(), 1e-16));
  return dot_up / denominator;
}

at::Tensor sphere_distance(const at::Tensor& cosine) {
  return torch::sqrt(2.0 * (1.0 - cosine) + std::numeric_limits<float>::epsilon());
}

}  // namespace protoseg::models
