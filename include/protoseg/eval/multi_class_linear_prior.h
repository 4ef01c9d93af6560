#pragma once

#include <array>
#include <cstdint>
#include <vector>

namespace protoseg::eval {

/// Multi-class LinEst as the TPM reference fits it (`main_multiclass_analyze.py`): for each of
/// the K classes of an episode, x_k = [(location - 0.5)^2, support fraction of class k] gives
/// F_k = exp(w_F . x_k + b_F) and B_k = exp(w_B . x_k) (nn.Linear(2, 2) whose second row and
/// bias are frozen, the bias at 0 and the weights at their random start); then
/// p = [F_1 .. F_K, sum_k B_k] / total, f = mean(p_1 .. p_K) and the total foreground prior
/// q = f / (1 - (K - 1) f).
struct MultiClassLinearPrior {
  std::array<double, 2> foreground_weight{};
  double foreground_bias = 0.0;
  std::array<double, 2> background_weight{};
  int samples = 0;  ///< training episodes the fit used

  /// q for a support slice at `location` whose classes cover `support_fractions` of it,
  /// clipped to [1e-3, 1 - 1e-3].
  double predict(double location, const std::vector<double>& support_fractions) const;
};

/// One training episode of the fit: its location, its K support fractions and its ideal total
/// foreground prior (clipped to [1e-3, 1 - 1e-3] before fitting).
struct MultiClassPriorSample {
  double location = 0.0;
  std::vector<double> support_fractions;
  double prior = 0.0;
};

struct MultiClassLinearFitOptions {
  int epochs = 1000;  ///< full-batch Adam steps
  double learning_rate = 0.1;
  /// Starting weights as PyTorch initialises nn.Linear(2, 2), U(-1/sqrt 2, 1/sqrt 2), drawn
  /// from this seed; the background row keeps its start.
  uint64_t seed = 2021;
};

/// Minimises the reference's objective, KL([q*, 1 - q*] || [q, 1 - q]) averaged over samples
/// and both entries (kl_div, reduction 'mean'), with Adam. Every sample must have the same
/// number of classes; samples with a non-finite prior are left out. Throws std::runtime_error
/// when fewer than 3 remain.
MultiClassLinearPrior fit_multi_class_linear_prior(
    const std::vector<MultiClassPriorSample>& samples,
    const MultiClassLinearFitOptions& options = {});

/// The same fit from given starting weights ([w_F0, w_F1, b_F, w_B0, w_B1]; the reference's
/// random start, for parity tests).
MultiClassLinearPrior fit_multi_class_linear_prior(
    const std::vector<MultiClassPriorSample>& samples, const std::array<double, 5>& start,
    const MultiClassLinearFitOptions& options = {});

}  // namespace protoseg::eval
