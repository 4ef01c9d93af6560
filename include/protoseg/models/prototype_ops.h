#pragma once

#include <ATen/core/Tensor.h>

namespace protoseg::models {

/// The [out, in] matrix of 1D linear interpolation as torch's bilinear `interpolate` does it
/// along one axis (align_corners false: half-pixel centres clamped at 0; true: corners
/// aligned). Bilinear upsampling of a [h, w] map X to [H, W] is `Uy X Ux^T` with
/// Uy = interpolation_matrix(h, H), Ux = interpolation_matrix(w, W).
at::Tensor interpolation_matrix(int64_t in, int64_t out, bool align_corners,
                                const at::TensorOptions& options);

/// Masked average pooling (PANet): features upsampled to the mask size (bilinear,
/// align_corners = false) and averaged under the mask, `sum(f * m) / (sum(m) + 1e-5)`.
/// Computed without materialising the upsampled features: the mask is pulled back to the
/// feature grid with the transposed interpolation (`Uy^T m Ux`), which gives the same sum.
/// features [B, C, h, w], masks [B, H, W] -> prototypes [B, C].
at::Tensor masked_average_pooling(const at::Tensor& features, const at::Tensor& masks);

/// Cosine similarity of every feature vector to its batch's prototype.
/// features [B, C, h, w], prototypes [B, C] -> [B, h, w].
at::Tensor prototype_cosine(const at::Tensor& features, const at::Tensor& prototypes);

/// Cosines of every feature vector to each of K prototypes (multi-prototype and multi-class
/// heads). features [B, C, h, w], prototypes [K, C] -> [B, K, h, w]. Differentiable.
at::Tensor prototype_cosines(const at::Tensor& features, const at::Tensor& prototypes);

/// Bilinear upsampling with align_corners = true, as the references upsample probabilities
/// and score maps: [B, C, h, w] -> [B, C, height, width].
at::Tensor upsample_aligned(const at::Tensor& grid, int64_t height, int64_t width);

/// prototype_cosine of the features upsampled to [H, W] (bilinear, align_corners = false),
/// computed exactly from the feature grid: the dot products interpolate linearly, and the
/// squared norms of interpolated vectors follow from the norms and neighbour inner products of
/// the grid. features [1, C, h, w], prototype [1, C] -> [H, W]. No gradient.
at::Tensor upsampled_prototype_cosine(const at::Tensor& features, const at::Tensor& prototype,
                                      int64_t height, int64_t width);

/// Distance on the unit sphere from a cosine, `sqrt(2 (1 - cos) + eps)` (float32 eps).
at::Tensor sphere_distance(const at::Tensor& cosine);

}  // namespace protoseg::models
