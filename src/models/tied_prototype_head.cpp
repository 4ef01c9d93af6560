#include "protoseg/models/tied_prototype_head.h"

#include <cmath>

#include <torch/torch.h>

namespace protoseg::models {

std::pair<at::Tensor, at::Tensor> tied_sigmas(const at::Tensor& threshold, double alpha,
                                              double p_foreground, double feature_dim) {
  const double p_background = 1.0 - p_foreground;
  // Eq. 6 with T_D^2 = 2 (1 + T_S / alpha).
  const at::Tensor distance_sq = 2.0 * (1.0 + threshold / alpha);
  const at::Tensor ratio = std::pow(p_foreground / p_background, -2.0 / feature_dim) *
                           torch::exp(alpha * distance_sq / (2.0 * feature_dim));
  return {torch::sqrt(2.0 / alpha * (1.0 - 1.0 / ratio)), torch::sqrt(2.0 / alpha * (ratio - 1.0))};
}

at::Tensor ideal_class_prior(const at::Tensor& ideal_threshold, const at::Tensor& sigma_f,
                             const at::Tensor& sigma_b, double feature_dim) {
  const at::Tensor exponent =
      feature_dim * torch::log(sigma_b / sigma_f) -
      ideal_threshold.pow(2) / 2.0 * (1.0 / sigma_f.pow(2) - 1.0 / sigma_b.pow(2));
  return torch::sigmoid(-exponent);
}

TiedPrototypeHeadImpl::TiedPrototypeHeadImpl(const TiedPrototypeHeadOptions& options_)
    : options(options_) {
  reset();
}

void TiedPrototypeHeadImpl::reset() {
  TORCH_CHECK(options.alpha() > 0, "alpha must be positive, got ", options.alpha());
  TORCH_CHECK(options.initial_threshold() > -options.alpha(),
              "initial_threshold must exceed -alpha so that T_D is real, got ",
              options.initial_threshold());
  double initial = options.initial_threshold();
  if (options.parameterization() == ThresholdParameterization::kSoftplus) {
    // Inverse softplus of (T_S + alpha) / d at p_F = 0.5: 9.99995459903963 for the defaults.
    initial = std::log(
        std::expm1((options.initial_threshold() + options.alpha()) / options.feature_dim()));
  }
  threshold_parameter = register_parameter("threshold", torch::full({1}, initial));
  auto [sigma_f, sigma_b] =
      tied_sigmas(torch::full({1}, options.initial_threshold(), torch::kDouble), options.alpha(),
                  0.5, options.feature_dim());
  sigma_foreground = register_buffer("sigma_foreground", sigma_f.to(torch::kFloat));
  sigma_background = register_buffer("sigma_background", sigma_b.to(torch::kFloat));
  // T_D = sqrt(2 (1 + T_S / alpha)) of the initial threshold: 1.0 for the defaults.
  ideal_threshold_ema = register_buffer(
      "ideal_threshold_ema",
      torch::full({1}, std::sqrt(2.0 * (1.0 + options.initial_threshold() / options.alpha()))));
}

at::Tensor TiedPrototypeHeadImpl::threshold(double p_foreground) const {
  if (options.parameterization() == ThresholdParameterization::kDirect) {
    return threshold_parameter;
  }
  return options.feature_dim() * torch::softplus(threshold_parameter) +
         2.0 * std::log(p_foreground / (1.0 - p_foreground)) - options.alpha();
}

at::Tensor TiedPrototypeHeadImpl::anomaly_score(const at::Tensor& cosine) const {
  return -options.alpha() * cosine;
}

at::Tensor TiedPrototypeHeadImpl::foreground_probability(const at::Tensor& score,
                                                         const at::Tensor& threshold,
                                                         double p_foreground) const {
  return 1.0 -
         torch::sigmoid(0.5 * (score - threshold) + std::log((1.0 - p_foreground) / p_foreground));
}

at::Tensor TiedPrototypeHeadImpl::foreground_probability(const at::Tensor& score,
                                                         const at::Tensor& threshold,
                                                         const at::Tensor& p_foreground) const {
  return 1.0 - torch::sigmoid(0.5 * (score - threshold) +
                              torch::log((1.0 - p_foreground) / p_foreground));
}

void TiedPrototypeHeadImpl::update_statistics(const at::Tensor& threshold,
                                              const at::Tensor& ideal_threshold) {
  torch::NoGradGuard no_grad;
  const double rate = options.ema_rate();
  auto [sigma_f, sigma_b] = tied_sigmas(threshold.detach().to(torch::kFloat), options.alpha(), 0.5,
                                        options.feature_dim());
  // A NaN sigma (T_S <= -alpha) leaves the EMA unchanged, as in the reference.
  sigma_foreground.copy_(torch::where(torch::isnan(sigma_f), sigma_foreground,
                                      (1.0 - rate) * sigma_foreground + rate * sigma_f));
  sigma_background.copy_(torch::where(torch::isnan(sigma_b), sigma_background,
                                      (1.0 - rate) * sigma_background + rate * sigma_b));
  if (ideal_threshold.defined()) {
    const at::Tensor idt = ideal_threshold.detach().to(torch::kFloat).reshape({1});
    const at::Tensor updated =
        ((1.0 - rate) * ideal_threshold_ema + rate * idt).clamp(1e-3, std::sqrt(2.0) - 1e-3);
    ideal_threshold_ema.copy_(torch::where(torch::isfinite(idt), updated, ideal_threshold_ema));
  }
}

at::Tensor TiedPrototypeHeadImpl::average_estimated_prior() const {
  return ideal_class_prior(ideal_threshold_ema, sigma_foreground, sigma_background,
                           options.feature_dim());
}

}  // namespace protoseg::models
