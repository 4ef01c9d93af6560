#pragma once

#include <utility>

#include <ATen/core/Tensor.h>
#include <torch/nn/module.h>
#include <torch/nn/pimpl.h>

namespace protoseg::models {

/// How the learnable anomaly-score threshold T_S is stored.
enum class ThresholdParameterization {
  /// ADNet: T_S itself is the parameter (Hansen et al., MedIA 2022).
  kDirect,
  /// TPM: T_S = d * softplus(pre_T) + 2 log(p_F / p_B) - alpha (Kim et al., Eq. 5).
  kSoftplus,
};

/// Options of the prototype head shared by ADNet and TPM.
struct TiedPrototypeHeadOptions {
  /// Scale of the anomaly score S = -alpha * cos (fixed, not learned).
  TORCH_ARG(double, alpha) = 20.0;
  /// T_S at initialisation (with p_F = 0.5): -10 gives T_D = 1.
  TORCH_ARG(double, initial_threshold) = -10.0;
  TORCH_ARG(ThresholdParameterization, parameterization) = ThresholdParameterization::kSoftplus;
  /// Feature dimension d in the TPM formulas (the papers take d = 1).
  TORCH_ARG(double, feature_dim) = 1.0;
  /// Rate of the exponential moving averages of sigma_F, sigma_B and the ideal threshold.
  TORCH_ARG(double, ema_rate) = 1e-3;
};

/// The class-conditional spreads of TPM (Eq. 6) for a threshold T_S and prior p_F:
/// returns {sigma_F, sigma_B}, differentiable in T_S.
std::pair<at::Tensor, at::Tensor> tied_sigmas(const at::Tensor& threshold, double alpha,
                                              double p_foreground, double feature_dim);

/// Prior p_F that puts the decision boundary at distance `ideal_threshold` (Sec. 3.4, ICP):
/// `1 / (1 + exp(d log(sigma_B / sigma_F) - IDT^2 / 2 (1/sigma_F^2 - 1/sigma_B^2)))`.
at::Tensor ideal_class_prior(const at::Tensor& ideal_threshold, const at::Tensor& sigma_f,
                             const at::Tensor& sigma_b, double feature_dim);

/// The prototype head of ADNet and TPM: a learnable threshold T_S on the anomaly score
/// S = -alpha cos(f, p), the foreground posterior
/// `P(F|x) = 1 - sigmoid(0.5 (S - T_S) + log((1 - p_F) / p_F))` (Eq. 7), and the non-learned
/// state TPM keeps as buffers: EMAs of sigma_F, sigma_B (Eq. 6) and of the ideal distance
/// threshold of training queries (AvgEst, Sec. 3.4).
class TiedPrototypeHeadImpl : public torch::nn::Module {
 public:
  explicit TiedPrototypeHeadImpl(const TiedPrototypeHeadOptions& options = {});
  void reset();

  /// T_S for prior p_F, shape [1], differentiable.
  at::Tensor threshold(double p_foreground = 0.5) const;
  /// Anomaly score S = -alpha * cosine.
  at::Tensor anomaly_score(const at::Tensor& cosine) const;
  /// P(F|x) from anomaly scores S (any shape) and threshold T_S ([1]) with prior p_F.
  at::Tensor foreground_probability(const at::Tensor& score, const at::Tensor& threshold,
                                    double p_foreground = 0.5) const;
  /// Same with a tensor prior (any shape broadcastable to `score`, e.g. AvgEst's p_F).
  at::Tensor foreground_probability(const at::Tensor& score, const at::Tensor& threshold,
                                    const at::Tensor& p_foreground) const;
  /// After an optimizer step: EMA of the sigmas implied by `threshold` (p_F = 0.5) and, when
  /// `ideal_threshold` is finite, of the ideal threshold (clipped to [1e-3, sqrt(2) - 1e-3]).
  void update_statistics(const at::Tensor& threshold, const at::Tensor& ideal_threshold);
  /// AvgEst prior: ideal_class_prior of the EMA ideal threshold with the EMA sigmas, [1].
  at::Tensor average_estimated_prior() const;

  TiedPrototypeHeadOptions options;
  /// T_S (kDirect) or pre_T (kSoftplus), [1].
  at::Tensor threshold_parameter;
  /// EMA buffers, [1] each.
  at::Tensor sigma_foreground, sigma_background, ideal_threshold_ema;
};
TORCH_MODULE(TiedPrototypeHead);

}  // namespace protoseg::models
