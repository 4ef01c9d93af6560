#pragma once

#include <ATen/core/Tensor.h>

namespace protoseg::models {

/// Masked average pooling (PANet): features are upsampled to the mask size (bilinear,
/// align_corners = false) and averaged under the mask, `sum(f * m) / (sum(m) + 1e-5)`.
/// features [B, C, h, w], masks [B, H, W] -> prototypes [B, C].
at::Tensor masked_average_pooling(const at::Tensor& features, const at::Tensor& masks);

/// Cosine similarity of every feature vector to its batch's prototype.
/// features [B, C, h, w], prototypes [B, C] -> [B, h, w].
at::Tensor prototype_cosine(const at::Tensor& features, const at::Tensor& prototypes);

/// Distance on the unit sphere from a cosine, `sqrt(2 (1 - cos) + eps)` (float32 eps).
at::Tensor sphere_distance(const at::Tensor& cosine);

}  // namespace protoseg::models
