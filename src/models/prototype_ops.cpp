#include "protoseg/models/prototype_ops.h"

#include <limits>

#include <torch/torch.h>

namespace protoseg::models {

namespace F = torch::nn::functional;

at::Tensor masked_average_pooling(const at::Tensor& features, const at::Tensor& masks) {
  TORCH_CHECK(features.dim() == 4 && masks.dim() == 3 && features.size(0) == masks.size(0),
              "masked_average_pooling expects features [B,C,h,w] and masks [B,H,W], got ",
              features.sizes(), " and ", masks.sizes());
  const at::Tensor upsampled =
      F::interpolate(features, F::InterpolateFuncOptions()
                                   .size(std::vector<int64_t>{masks.size(1), masks.size(2)})
                                   .mode(torch::kBilinear)
                                   .align_corners(false));
  const at::Tensor m = masks.unsqueeze(1).to(upsampled.scalar_type());
  return (upsampled * m).sum({2, 3}) / (m.sum({2, 3}) + 1e-5);
}

at::Tensor prototype_cosine(const at::Tensor& features, const at::Tensor& prototypes) {
  TORCH_CHECK(features.dim() == 4 && prototypes.dim() == 2 &&
                  features.size(0) == prototypes.size(0) && features.size(1) == prototypes.size(1),
              "prototype_cosine expects features [B,C,h,w] and prototypes [B,C], got ",
              features.sizes(), " and ", prototypes.sizes());
  return F::cosine_similarity(features, prototypes.unsqueeze(-1).unsqueeze(-1),
                              F::CosineSimilarityFuncOptions().dim(1));
}

at::Tensor sphere_distance(const at::Tensor& cosine) {
  return torch::sqrt(2.0 * (1.0 - cosine) + std::numeric_limits<float>::epsilon());
}

}  // namespace protoseg::models
