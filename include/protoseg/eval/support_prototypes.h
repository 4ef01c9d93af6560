#pragma once

#include <ATen/core/Generator.h>
#include <ATen/core/Tensor.h>

#include "protoseg/eval/spherical_mixture.h"

namespace protoseg::eval {

/// What one labelled support slice gives the binary inference rules.
struct SupportPrototypes {
  at::Tensor prototype;            ///< [1, C], masked average pooling (MAP)
  SphericalMixture mixture;        ///< EM mixture of the foreground feature vectors
  double foreground_fraction = 0;  ///< share of foreground pixels in the support mask
};

/// Support features upsampled to the mask size (bilinear, align_corners = false) at the mask's
/// foreground pixels, computed exactly from the feature grid without materialising the
/// upsampled map. features [1, C, h, w], mask [H, W] -> [N_fg, C].
at::Tensor upsampled_features_under_mask(const at::Tensor& features, const at::Tensor& mask);

/// MAP prototype and the multi-prototype mixture (EM on the L2-normalised foreground features
/// at full resolution with the shared spread sigma_foreground, TPM Sec. 3.3). features
/// [1, C, h, w] float32, mask [H, W] in {0, 1}. With mixture_options.components == 0 no mixture
/// is fitted (single-prototype inference). Throws std::invalid_argument for an empty mask.
SupportPrototypes make_support_prototypes(const at::Tensor& features, const at::Tensor& mask,
                                          double sigma_foreground,
                                          const SphericalMixtureOptions& mixture_options,
                                          at::Generator generator);

}  // namespace protoseg::eval
