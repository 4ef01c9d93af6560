#pragma once

#include <array>
#include <cstdint>
#include <random>
#include <utility>

#include <ATen/core/Tensor.h>

namespace protoseg::data {

/// The random intensity and geometric augmentation of self-supervised episodes (SSL-ALPNet,
/// ADNet, TPM), as hjk92g/TPM-FSS `dataloading/datasets.py` draws it: a gamma transform of one
/// image, and independently a geometric transform (affine, then elastic) of one image with its
/// masks. Angles in degrees, translations and displacements in pixels.
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
  /// Draws of the geometric transform while the transformed structure is empty; the last draw
  /// is kept (the reference: 5 when the query is transformed, 15 for the support).
  int query_draws = 5;
  int support_draws = 15;

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
    v.optional("query_draws", query_draws);
    v.optional("support_draws", support_draws);
  }
  template <class V>
  void validate(V& v) const {
    if (!(gamma_min > 0 && gamma_min <= gamma_max)) v.invalid("gamma_min", "need 0 < min <= max");
    if (!(zoom_min > 0 && zoom_min <= zoom_max)) v.invalid("zoom_min", "need 0 < min <= max");
    if (elastic_sigma <= 0) v.invalid("elastic_sigma", "must be positive");
    if (query_draws < 1) v.invalid("query_draws", "must be >= 1");
    if (support_draws < 1) v.invalid("support_draws", "must be >= 1");
  }
};

/// Gamma transform `range * ((x - min + 1e-5) / range)^g + min` of a [H, W] float32 CPU image,
/// in place, with range = max - min + 1e-5 (the reference's gamma_tansform).
void apply_gamma(at::Tensor& image, double gamma);

/// gamma ~ U(gamma_min, gamma_max).
double draw_gamma(const SliceAugmentationOptions& options, std::mt19937_64& rng);

/// The random values of one affine transform, drawn in the reference's order.
struct AffineParameters {
  double rotation_deg = 0.0;  ///< counter-clockwise on screen (OpenCV's convention)
  double shift_x = 0.0;       ///< pixels along columns
  double shift_y = 0.0;       ///< pixels along rows
  double shear_deg = 0.0;
  double zoom = 1.0;
};

/// One geometric transform: the affine parameters and the two U(-1, 1) noise fields ([H, W]
/// float64) that the elastic displacements are smoothed from.
struct GeometricDraw {
  AffineParameters affine;
  at::Tensor noise_x;  ///< becomes the displacement along columns
  at::Tensor noise_y;  ///< becomes the displacement along rows
};

/// Draws rotation, shift x, shift y, shear, zoom, then the two noise fields, from `rng`.
GeometricDraw draw_geometric(int64_t height, int64_t width, const SliceAugmentationOptions& options,
                             std::mt19937_64& rng);

/// The forward 2x3 matrix (row-major; output = M * input pixel, x = column) of the reference's
/// RandomAffine: zoom * shear * shift * rotation, where rotation and zoom turn about
/// (height / 2, width / 2) (OpenCV's getRotationMatrix2D) and shear is [[1, -sin s], [0, cos s]].
std::array<double, 6> affine_matrix(const AffineParameters& p, int64_t height, int64_t width);

/// The elastic displacement field [2, H, W] float64 (columns, rows): each noise field blurred
/// by a Gaussian of `sigma` (kernel int(4 sigma) | 1, mirrored border without the edge pixel
/// repeated), times `alpha`.
at::Tensor elastic_displacement(const at::Tensor& noise_x, const at::Tensor& noise_y, double alpha,
                                double sigma);

/// Applies the transform of `draw` to a [C, H, W] float32 CPU stack: the affine warp (bilinear,
/// zero outside, as cv2.warpAffine), then the elastic resampling (bilinear, half-sample
/// mirrored border, as scipy's map_coordinates(order=1, mode='reflect')).
at::Tensor warp_channels(const at::Tensor& channels, const GeometricDraw& draw,
                         const SliceAugmentationOptions& options);

/// Returns {image, masks} after `draw`: image [H, W], masks [K, H, W] float32 CPU; the masks are
/// rounded to {0, 1} (round half to even, as np.rint).
std::pair<at::Tensor, at::Tensor> geometric_transform(const at::Tensor& image,
                                                      const at::Tensor& masks,
                                                      const GeometricDraw& draw,
                                                      const SliceAugmentationOptions& options);

}  // namespace protoseg::data
