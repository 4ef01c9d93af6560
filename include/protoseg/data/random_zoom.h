#pragma once

#include <random>
#include <utility>

#include <ATen/core/Tensor.h>

namespace protoseg::data {

/// The training augmentation of the language-guided U-Nets (GuideSeg, ProLearn): with
/// probability `probability` per image, an isotropic zoom about the centre by a factor drawn
/// from U(min_zoom, max_zoom), keeping the image size (factor > 1 crops, < 1 pads).
struct RandomZoomOptions {
  double min_zoom = 0.95;
  double max_zoom = 1.2;
  double probability = 0.1;
};

/// images [B, C, H, W] (bilinear, border values outside) and masks [B, 1, H, W] (nearest, zero
/// outside) on any device; returns the zoomed pair. Draws come from `rng` on the host.
std::pair<at::Tensor, at::Tensor> random_zoom(const at::Tensor& images, const at::Tensor& masks,
                                              const RandomZoomOptions& options,
                                              std::mt19937_64& rng);

}  // namespace protoseg::data
