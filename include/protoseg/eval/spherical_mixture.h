#pragma once

#include <ATen/core/Generator.h>
#include <ATen/core/Tensor.h>

namespace protoseg::eval {

/// A mixture of spherical Gaussians on the unit sphere sharing one fixed isotropic spread
/// sigma: TPM's multi-prototype foreground model (Sec. 3.3, Eq. 8).
struct SphericalMixture {
  at::Tensor means;    ///< [K, C], unit norm
  at::Tensor weights;  ///< [K], summing to 1
  int iterations = 0;  ///< EM iterations run
};

/// Settings of the EM fit (defaults: the TPM reference).
struct SphericalMixtureOptions {
  int components = 5;
  int max_iterations = 100;
  /// The reference's stopping rule: stop once the NLL (new weights, distances before the
  /// M-step) is within `tolerance` (relative) of the running average of earlier NLLs, at
  /// iteration index >= `min_iterations` (0-based, so at least min_iterations + 1 iterations).
  int min_iterations = 5;
  double tolerance = 1e-3;
  /// Initial means: the data mean plus noise_scale * (U(0,1) - 0.5) per coordinate,
  /// normalised; initial weights: softmax of noise_scale * U(0,1).
  double noise_scale = 0.1;
};

/// Negative log-likelihood of unit features [N, C] under the mixture, without the constant
/// N * C * log(sigma sqrt(2 pi)): `-sum_n log sum_k w_k exp(-|x_n - m_k|^2 / (2 sigma^2))`.
double spherical_mixture_nll(const at::Tensor& features, const SphericalMixture& mixture,
                             double sigma);

/// EM from a given start: E-step responsibilities with the shared covariance sigma^2 I,
/// M-step means (projected back onto the sphere) and weights; the covariance stays fixed.
/// features [N, C] are L2-normalised first. Runs on the features' device.
SphericalMixture fit_spherical_mixture(const at::Tensor& features, double sigma,
                                       SphericalMixture start,
                                       const SphericalMixtureOptions& options = {});

/// EM from the reference's random start (see SphericalMixtureOptions), drawn from `generator`.
/// With fewer than K features, the features are repeated K times first (as the reference).
SphericalMixture fit_spherical_mixture(const at::Tensor& features, double sigma,
                                       at::Generator generator,
                                       const SphericalMixtureOptions& options = {});

/// Cosines of features [B, C, h, w] to the mixture means: [B, K, h, w].
at::Tensor mixture_cosines(const at::Tensor& features, const SphericalMixture& mixture);

/// log h(x) of Eq. 8, `log sum_k w_k exp((cos_k - 1) / sigma^2) - d log sigma`, from
/// cosines [B, K, ...] (computed with logsumexp, so tiny sigmas do not underflow): [B, ...].
at::Tensor mixture_log_density(const at::Tensor& cosines, const at::Tensor& weights,
                               const at::Tensor& sigma, double feature_dim);

/// TPM's multi-prototype posterior (Eq. 8): foreground and background mixtures share means
/// and weights and differ in spread, `P(F|x) = p_F h_F / (p_F h_F + (1 - p_F) h_B)`.
/// cosines [B, K, ...], prior p_F broadcastable to [B, ...] -> [B, ...].
at::Tensor mixture_foreground_probability(const at::Tensor& cosines, const at::Tensor& weights,
                                          const at::Tensor& sigma_foreground,
                                          const at::Tensor& sigma_background,
                                          const at::Tensor& prior, double feature_dim);

}  // namespace protoseg::eval
