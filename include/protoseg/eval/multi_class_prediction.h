#pragma once

#include <cstdint>

#include <ATen/core/Tensor.h>

#include "protoseg/eval/multi_class_rule.h"
#include "protoseg/models/tied_prototype_head.h"

namespace protoseg::eval {

/// The class of every pixel, [D, size, size] int64 in [0, K] (K: background), from the cosines
/// [D, K, h, w] of query features to K prototypes: ADNet++ (the reference's: per-class
/// posteriors of the tied Gaussians with the EMA sigmas and equal priors, background
/// 1 - max, softmax) or Eq. 9 with total foreground prior `prior` (a scalar or one per slice);
/// probabilities on the feature grid, upsampled (align_corners = true), renormalised, argmax.
/// `reference`: ADNet++ with the reference's normaliser (models::tied_class_posteriors).
at::Tensor predict_classes(const models::TiedPrototypeHeadImpl& head, const at::Tensor& cosines,
                           MultiClassRule rule, const at::Tensor& prior, int64_t size,
                           bool reference = false);

/// The ideal total foreground prior of each slice (Eq. 9) as the analysis of training episodes
/// measures it: distances sqrt(2 (1 - cos) + eps) to the K prototypes (cosines [D, K, h, w])
/// upsampled with align_corners = true to size x size, the background ratio
/// `H_B / (max_k h_F,k + H_B)` sorted, and for n = foreground_counts [D] true foreground pixels
/// the boundary (r[n-1] + r[n]) / 2 (ideal_score_threshold; -inf / +inf without a boundary),
/// or with `reference` the reference's r[n-1] (n = 0: clip(2 r[0] - r[1], 0, 1)). [D].
at::Tensor multi_class_ideal_prior(const models::TiedPrototypeHeadImpl& head,
                                   const at::Tensor& cosines, const at::Tensor& foreground_counts,
                                   int64_t size, bool reference = false);

/// The oracle total foreground prior (OCP) of each query slice at the resolution the reference
/// uses: the ratio `H_B / (max_k h_F,k + H_B)` on the h x w feature grid (cosines [D, K, h, w]),
/// sorted, at n' = int(n h w / image_pixels) for n = foreground_counts [D] true foreground
/// pixels of the image: r[n'-1], or clip(2 r[0] - r[1], 0, 1) when n' = 0. [D].
at::Tensor multi_class_oracle_prior(const models::TiedPrototypeHeadImpl& head,
                                    const at::Tensor& cosines, const at::Tensor& foreground_counts,
                                    int64_t image_pixels);

}  // namespace protoseg::eval
