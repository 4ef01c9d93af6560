#include "protoseg/models/multi_class_posterior.h"

#include <cmath>

#include <torch/torch.h>

#include "protoseg/models/prototype_ops.h"

namespace protoseg::models {
namespace {

// A scalar or [B] tensor shaped to broadcast against [B, 1, ...] of `like`'s rank.
at::Tensor per_item(const at::Tensor& value, const at::Tensor& like) {
  const at::Tensor v = value.to(like.options());
  std::vector<int64_t> shape(static_cast<size_t>(like.dim()), 1);
  TORCH_CHECK(v.numel() == 1 || v.numel() == like.size(0),
              "a prior must be a scalar or one per batch item, got ", v.sizes());
  if (v.numel() != 1) shape[0] = like.size(0);
  return v.reshape(shape);
}

}  // namespace

at::Tensor multi_class_tpm_probabilities(const at::Tensor& cosines, const at::Tensor& sigma_f,
                                         const at::Tensor& sigma_b,
                                         const at::Tensor& foreground_prior, double feature_dim) {
  TORCH_CHECK(cosines.dim() >= 2 && cosines.size(1) >= 1,
              "multi_class_tpm_probabilities expects cosines [B, K, ...], got ", cosines.sizes());
  const double classes = static_cast<double>(cosines.size(1));
  const at::Tensor q = per_item(foreground_prior, cosines);
  const at::Tensor sf = sigma_f.to(cosines.options());
  const at::Tensor sb = sigma_b.to(cosines.options());
  const at::Tensor log_classes =
      (q / classes).log() + (cosines - 1.0) / (sf * sf) - feature_dim * sf.log();
  const at::Tensor log_background = ((1.0 - q) / classes).log() +
                                    ((cosines - 1.0) / (sb * sb)).logsumexp(1, /*keepdim=*/true) -
                                    feature_dim * sb.log();
  return torch::cat({log_classes, log_background}, 1).softmax(1);
}

at::Tensor tied_class_posteriors(const at::Tensor& cosines, const at::Tensor& sigma_f,
                                 const at::Tensor& sigma_b, double feature_dim,
                                 bool reference_normaliser) {
  const at::Tensor sf = sigma_f.to(cosines.options());
  const at::Tensor sb = sigma_b.to(cosines.options());
  const at::Tensor log_f = (cosines - 1.0) / (sf * sf) - feature_dim * sf.log();
  const at::Tensor log_b = (cosines - 1.0) / (sb * sb) - feature_dim * sb.log();
  if (!reference_normaliser) return torch::sigmoid(log_f - log_b);
  const int64_t last = cosines.size(1) - 1;
  const at::Tensor normaliser =
      torch::logaddexp(log_f.narrow(1, last, 1), log_b.narrow(1, last, 1));
  return (log_f - normaliser).exp();
}

at::Tensor adnet_plus_plus_probabilities(const at::Tensor& class_probabilities) {
  TORCH_CHECK(class_probabilities.dim() >= 2, "expected [B, K, ...], got ",
              class_probabilities.sizes());
  const at::Tensor background = 1.0 - std::get<0>(class_probabilities.max(1, /*keepdim=*/true));
  return torch::cat({class_probabilities, background}, 1);
}

at::Tensor upsample_class_probabilities(const at::Tensor& probabilities, int64_t height,
                                        int64_t width) {
  TORCH_CHECK(probabilities.dim() == 4, "expected [B, C, h, w], got ", probabilities.sizes());
  const at::Tensor up = upsample_aligned(probabilities, height, width);
  return up / up.sum(1, /*keepdim=*/true).clamp_min(1e-12);
}

}  // namespace protoseg::models
