#pragma once

#include <cstdint>
#include <random>
#include <utility>

#include <ATen/core/Tensor.h>

namespace protoseg::data {

/// The random intensity and geometric augmentation of self-supervised episodes (SSL-ALPNet,
/// ADNet, TPM): gamma, then an affine warp about the centre, then an elastic deformation.
/// Angles in degrees, translations in pixels.
struct SliceAugmentationOptions {
  double gamma_min = 0.5;  ///< gamma ~ U(gamma_min, gamma_max)
  double gamma_max = 1.5;
  double rotation_deg = 5.0;    ///< rotation ~ U(-r, r)
  double translation_px = 5.0;  ///< shift ~ U(-t, t) along each axis
  double shear_deg = 5.0;       ///< shear ~ U(-s, s)
  double zoom_min = 0.9;        ///< isotropic zoom ~ U(zoom_min, zoom_max)
  double zoom_max = 1.2;
  double elastic_alpha = 10.0;  ///< displacement scale in pixels
  double elastic_sigma = 5.0;   ///< Gaussian smoothing of the U(-1, 1) field, in pixels

  template <class V>
  void visit(V& v) {
    v.optional("gamma_min", gamma_min);
    v.optional("gamma_max", gamma_max);
    v.optional("rotation_deg", rotation_deg);
    v.optional("translation_px", translation_px);
    v.optional("shear_deg", shear_deg);
    v.optional("zoom_min", zoom_min);
    v.optional("zoom_max", zoom_max);
    v.optional("elastic_alpha", elastic_alpha);
    v.optional("elastic_sigma", elastic_sigma);
  }
  template <class V>
  void validate(V& v) const {
    if (!(gamma_min > 0 && gamma_min <= gamma_max)) v.invalid("gamma_min", "need 0 < min <= max");
    if (!(zoom_min > 0 && zoom_min <= zoom_max)) v.invalid("zoom_min", "need 0 < min <= max");
    if (elastic_sigma <= 0) v.invalid("elastic_sigma", "must be positive");
  }
};

/// Gamma transform `range * ((x - min + 1e-5) / range)^g + min` of a [H, W] float32 CPU image,
/// in place.
void apply_gamma(at::Tensor& image, double gamma);

/// Returns {image, mask} after the gamma transform (image only), one random affine transform and
/// one random elastic field, all drawn from `rng`. image is [H, W], mask [H, W] or [K, H, W]
/// (K masks warped alike), float32 CPU tensors; the image is warped bilinearly (reflected at
/// the border), each mask bilinearly (zero outside) and rounded back to {0, 1}.
std::pair<at::Tensor, at::Tensor> augment_slice(const at::Tensor& image, const at::Tensor& mask,
                                                const SliceAugmentationOptions& options,
                                                std::mt19937_64& rng);

}  // namespace protoseg::data
