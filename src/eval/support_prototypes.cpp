#include "protoseg/eval/support_prototypes.h"

#include <stdexcept>

#include <torch/torch.h>

#include "protoseg/models/prototype_ops.h"

namespace protoseg::eval {

at::Tensor upsampled_features_under_mask(const at::Tensor& features, const at::Tensor& mask) {
  TORCH_CHECK(features.dim() == 4 && features.size(0) == 1 && mask.dim() == 2,
              "upsampled_features_under_mask expects features [1,C,h,w] and mask [H,W], got ",
              features.sizes(), " and ", mask.sizes());
  const auto options = features.options().dtype(torch::kFloat);
  const at::Tensor pixels = mask.gt(0.5).nonzero().to(features.device());  // [N, 2]
  const at::Tensor uy = models::interpolation_matrix(features.size(2), mask.size(0), false, options)
                            .index_select(0, pixels.select(1, 0));  // [N, h]
  const at::Tensor ux = models::interpolation_matrix(features.size(3), mask.size(1), false, options)
                            .index_select(0, pixels.select(1, 1));  // [N, w]
  // f(i, j) = sum_ab Uy[i, a] f[:, a, b] Ux[j, b]
  const at::Tensor weights = (uy.unsqueeze(2) * ux.unsqueeze(1)).flatten(1);  // [N, h*w]
  return weights.matmul(features[0].to(torch::kFloat).flatten(1).t());        // [N, C]
}

SupportPrototypes make_support_prototypes(const at::Tensor& features, const at::Tensor& mask,
                                          double sigma_foreground,
                                          const SphericalMixtureOptions& mixture_options,
                                          at::Generator generator) {
  torch::NoGradGuard no_grad;
  const at::Tensor m = mask.to(features.device(), torch::kFloat);
  const double pixels = m.sum().item<double>();
  if (pixels == 0.0) throw std::invalid_argument("support mask is empty");
  SupportPrototypes support;
  support.prototype = models::masked_average_pooling(features, m.unsqueeze(0));
  support.foreground_fraction = pixels / static_cast<double>(m.numel());
  if (mixture_options.components > 0) {
    support.mixture = fit_spherical_mixture(upsampled_features_under_mask(features, m),
                                            sigma_foreground, generator, mixture_options);
  }
  return support;
}

}  // namespace protoseg::eval
