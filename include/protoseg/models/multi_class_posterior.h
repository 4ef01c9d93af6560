#pragma once

#include <cstdint>

#include <ATen/core/Tensor.h>

namespace protoseg::models {

/// TPM's multi-class posterior (Eq. 9): K foreground classes, one prototype each, share the
/// total foreground prior q (q / K per class, spread sigma_F) and the background is a mixture
/// of K components around the same prototypes ((1 - q) / K each, spread sigma_B):
/// `P(k|x) ~ q/K exp((cos_k - 1)/sigma_F^2) / sigma_F^d`,
/// `P(B|x) ~ (1-q)/K sum_k exp((cos_k - 1)/sigma_B^2) / sigma_B^d`, normalised in log space.
/// cosines [B, K, ...] to the class prototypes; q a scalar or one value per batch item.
/// Returns [B, K + 1, ...] ordered [class_1 .. class_K, background] (the reference's order),
/// summing to 1 over dim 1.
at::Tensor multi_class_tpm_probabilities(const at::Tensor& cosines, const at::Tensor& sigma_f,
                                         const at::Tensor& sigma_b,
                                         const at::Tensor& foreground_prior, double feature_dim);

/// Per-class binary posteriors of the tied model with equal priors (ADNet++ as the TPM authors
/// ran it): `p_k = h_F,k / (h_F,k + h_B,k)` with h the Gaussians of spread sigma_F / sigma_B
/// (the EMA buffers) around prototype k. cosines [B, K, ...] -> [B, K, ...].
/// `reference_normaliser` reproduces the reference's code, which divides every class by the
/// last class's h_F,K + h_B,K (a loop variable read after its loop).
at::Tensor tied_class_posteriors(const at::Tensor& cosines, const at::Tensor& sigma_f,
                                 const at::Tensor& sigma_b, double feature_dim,
                                 bool reference_normaliser = false);

/// The "ADNet++" baseline as the TPM authors ran it: per-class binary posteriors
/// [B, K, ...] -> [B, K + 1, ...] with background `1 - max_k p_k`. Not normalised: the
/// reference applies a softmax over the K + 1 entries before upsampling.
at::Tensor adnet_plus_plus_probabilities(const at::Tensor& class_probabilities);

/// Bilinear upsampling (align_corners = true) of class probabilities [B, C, h, w] to
/// [B, C, height, width], renormalised to sum to 1 over classes (as the reference does).
at::Tensor upsample_class_probabilities(const at::Tensor& probabilities, int64_t height,
                                        int64_t width);

}  // namespace protoseg::models
