#include "protoseg/eval/spherical_mixture.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>

#include <torch/torch.h>

#include "protoseg/models/prototype_ops.h"

namespace protoseg::eval {
namespace {

// log w_k + (x . m_k - 1) / sigma^2 for unit x and m: [N, K].
at::Tensor component_log_likelihoods(const at::Tensor& unit_features, const at::Tensor& means,
                                     const at::Tensor& weights, double sigma) {
  return weights.log().unsqueeze(0) + (unit_features.matmul(means.t()) - 1.0) / (sigma * sigma);
}

at::Tensor unit_rows(const at::Tensor& x) {
  return x / x.norm(2, /*dim=*/{1}, /*keepdim=*/true).clamp_min(1e-12);
}

void check_features(const at::Tensor& features, double sigma) {
  if (features.dim() != 2 || features.size(0) == 0) {
    throw std::invalid_argument("spherical mixture: features must be [N, C] with N > 0");
  }
  if (!(sigma > 0.0) || !std::isfinite(sigma)) {
    throw std::invalid_argument("spherical mixture: sigma must be positive and finite, got " +
                                std::to_string(sigma));
  }
}

}  // namespace

double spherical_mixture_nll(const at::Tensor& features, const SphericalMixture& mixture,
                             double sigma) {
  torch::NoGradGuard no_grad;
  const at::Tensor x = unit_rows(features.to(torch::kDouble));
  return -component_log_likelihoods(x, mixture.means.to(x.options()),
                                    mixture.weights.to(x.options()), sigma)
              .logsumexp(1)
              .sum()
              .item<double>();
}

SphericalMixture fit_spherical_mixture(const at::Tensor& features, double sigma,
                                       SphericalMixture start,
                                       const SphericalMixtureOptions& options) {
  check_features(features, sigma);
  torch::NoGradGuard no_grad;
  // Float64 throughout: a few thousand 256-d vectors cost nothing, and the stopping rule
  // compares NLLs to 1e-3 relative.
  const at::Tensor x = unit_rows(features.to(torch::kDouble));
  at::Tensor means = unit_rows(start.means.to(x.options()));
  at::Tensor weights = start.weights.to(x.options());
  const double two_sigma2 = 2.0 * sigma * sigma;
  // Squared distances of unit vectors, |x - m|^2 = 2 - 2 x.m: [N, K].
  auto squared_distances = [&x](const at::Tensor& m) {
    return (2.0 - 2.0 * x.matmul(m.t())).clamp_min(0.0);
  };
  auto nll = [&](const at::Tensor& w, const at::Tensor& d2) {
    return -(w.log().unsqueeze(0) - d2 / two_sigma2).logsumexp(1).sum().item<double>();
  };
  // The reference's stopping rule (estim_prototypes): the NLL of the new weights at the
  // distances before the M-step is compared with a running average of earlier values; stop
  // once it is within `tolerance` of it at iteration >= min_iterations (0-based).
  double average = nll(weights, squared_distances(means));
  int iteration = 0;
  while (iteration < options.max_iterations) {
    means = unit_rows(means);
    const at::Tensor d2 = squared_distances(means);
    const at::Tensor responsibilities =
        (weights.log().unsqueeze(0) - d2 / two_sigma2).softmax(1);  // E-step
    const at::Tensor counts = responsibilities.sum(0);              // M-step
    means = responsibilities.t().matmul(x) / counts.unsqueeze(1);
    weights = counts / counts.sum();
    const double loss = nll(weights, d2);
    const int done = iteration++;
    if (average / (loss + 1e-8) - 1.0 < options.tolerance) {
      if (done >= options.min_iterations) break;
    } else {
      average = (loss + average) / 2.0;
    }
  }
  means = unit_rows(means);
  return {means.to(features.scalar_type()), weights.to(features.scalar_type()), iteration};
}

SphericalMixture fit_spherical_mixture(const at::Tensor& features, double sigma,
                                       at::Generator generator,
                                       const SphericalMixtureOptions& options) {
  check_features(features, sigma);
  if (options.components < 1) {
    throw std::invalid_argument("spherical mixture: components must be >= 1");
  }
  torch::NoGradGuard no_grad;
  at::Tensor x = unit_rows(features.to(torch::kDouble));
  if (x.size(0) < options.components) x = x.repeat({options.components, 1});
  const int64_t k = options.components;
  // float32 draws, as torch.rand in the reference: the same generator state gives the same
  // start.
  const auto cpu = torch::TensorOptions().dtype(torch::kFloat);
  const at::Tensor mean_noise =
      torch::rand({k, x.size(1)}, generator, cpu).to(x.device(), torch::kDouble);
  const at::Tensor weight_noise = torch::rand({k}, generator, cpu).to(x.device(), torch::kDouble);
  SphericalMixture start;
  start.means = x.mean(0, /*keepdim=*/true) + options.noise_scale * (mean_noise - 0.5);
  start.weights = (options.noise_scale * weight_noise).softmax(0);
  SphericalMixture fitted = fit_spherical_mixture(x, sigma, start, options);
  fitted.means = fitted.means.to(features.scalar_type());
  fitted.weights = fitted.weights.to(features.scalar_type());
  return fitted;
}

at::Tensor mixture_cosines(const at::Tensor& features, const SphericalMixture& mixture) {
  TORCH_CHECK(features.dim() == 4, "mixture_cosines expects features [B,C,h,w], got ",
              features.sizes());
  return models::prototype_cosines(features, mixture.means.to(features.options()));
}

at::Tensor mixture_log_density(const at::Tensor& cosines, const at::Tensor& weights,
                               const at::Tensor& sigma, double feature_dim) {
  std::vector<int64_t> shape(static_cast<size_t>(cosines.dim()), 1);
  shape[1] = weights.numel();
  const at::Tensor log_weights = weights.to(cosines.options()).log().reshape(shape);
  const at::Tensor s = sigma.to(cosines.options());
  return (log_weights + (cosines - 1.0) / (s * s)).logsumexp(1) - feature_dim * s.log();
}

at::Tensor mixture_foreground_probability(const at::Tensor& cosines, const at::Tensor& weights,
                                          const at::Tensor& sigma_foreground,
                                          const at::Tensor& sigma_background,
                                          const at::Tensor& prior, double feature_dim) {
  const at::Tensor p = prior.to(cosines.options());
  return torch::sigmoid(p.log() - (1.0 - p).log() +
                        mixture_log_density(cosines, weights, sigma_foreground, feature_dim) -
                        mixture_log_density(cosines, weights, sigma_background, feature_dim));
}

}  // namespace protoseg::eval
