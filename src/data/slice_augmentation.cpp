#include "protoseg/data/slice_augmentation.h"

#include <cmath>

#include <c10/util/Exception.h>
#include <torch/torch.h>
#include <opencv2/imgproc.hpp>

namespace protoseg::data {
namespace {

constexpr double kPi = 3.14159265358979323846;

double uniform(std::mt19937_64& rng, double low, double high) {
  return std::uniform_real_distribution<double>(low, high)(rng);
}

// Forward map (input -> output pixel) of rotation, shear and zoom about the image centre,
// followed by a translation.
cv::Mat random_affine(const cv::Size& size, const SliceAugmentationOptions& o,
                      std::mt19937_64& rng) {
  const double angle = uniform(rng, -o.rotation_deg, o.rotation_deg) * kPi / 180.0;
  const double tx = uniform(rng, -o.translation_px, o.translation_px);
  const double ty = uniform(rng, -o.translation_px, o.translation_px);
  const double shear = uniform(rng, -o.shear_deg, o.shear_deg) * kPi / 180.0;
  const double zoom = uniform(rng, o.zoom_min, o.zoom_max);
  const cv::Matx22d rotation(std::cos(angle), -std::sin(angle), std::sin(angle), std::cos(angle));
  const cv::Matx22d shearing(1.0, std::tan(shear), 0.0, 1.0);
  const cv::Matx22d linear = rotation * shearing * zoom;
  const cv::Vec2d centre((size.width - 1) / 2.0, (size.height - 1) / 2.0);
  const cv::Vec2d offset = centre - linear * centre + cv::Vec2d(tx, ty);
  return (cv::Mat_<double>(2, 3) << linear(0, 0), linear(0, 1), offset[0], linear(1, 0),
          linear(1, 1), offset[1]);
}

// One smoothed displacement component: Gaussian-blurred U(-1, 1) noise times alpha.
cv::Mat random_displacement(const cv::Size& size, const SliceAugmentationOptions& o,
                            std::mt19937_64& rng) {
  cv::Mat field(size, CV_32F);
  std::uniform_real_distribution<float> noise(-1.0f, 1.0f);
  for (int y = 0; y < size.height; ++y) {
    auto* row = field.ptr<float>(y);
    for (int x = 0; x < size.width; ++x) row[x] = noise(rng);
  }
  // Kernel radius 4 sigma, as scipy.ndimage.gaussian_filter.
  const int radius = static_cast<int>(std::ceil(4.0 * o.elastic_sigma));
  cv::GaussianBlur(field, field, cv::Size(2 * radius + 1, 2 * radius + 1), o.elastic_sigma,
                   o.elastic_sigma, cv::BORDER_REFLECT);
  field *= o.elastic_alpha;
  return field;
}

// A cv::Mat view of a contiguous [H, W] float32 CPU tensor (no copy).
cv::Mat view_of(const at::Tensor& t) {
  TORCH_CHECK(t.dim() == 2 && t.scalar_type() == at::kFloat && t.is_contiguous() && t.is_cpu(),
              "expected a contiguous [H,W] float32 CPU tensor, got ", t.sizes(), " ",
              t.scalar_type());
  return cv::Mat(static_cast<int>(t.size(0)), static_cast<int>(t.size(1)), CV_32F,
                 t.data_ptr<float>());
}

}  // namespace

void apply_gamma(at::Tensor& image, double gamma) {
  cv::Mat mat = view_of(image);
  double low = 0.0, high = 0.0;
  cv::minMaxLoc(mat, &low, &high);
  const double range = high - low;
  if (range <= 0.0) return;
  mat.forEach<float>([&](float& v, const int*) {
    v = static_cast<float>(range * std::pow((v - low + 1e-5) / range, gamma) + low);
  });
}

std::pair<at::Tensor, at::Tensor> augment_slice(const at::Tensor& image_in,
                                                const at::Tensor& mask_in,
                                                const SliceAugmentationOptions& options,
                                                std::mt19937_64& rng) {
  TORCH_CHECK(image_in.dim() == 2 && (mask_in.dim() == 2 || mask_in.dim() == 3) &&
                  mask_in.size(-1) == image_in.size(-1) && mask_in.size(-2) == image_in.size(-2),
              "augment_slice: image ", image_in.sizes(), " and mask ", mask_in.sizes(),
              " differ in size");
  at::Tensor image_out = image_in.clone();
  at::Tensor mask_out = mask_in.clone();
  apply_gamma(image_out, uniform(rng, options.gamma_min, options.gamma_max));
  cv::Mat image = view_of(image_out).clone();

  const cv::Mat affine = random_affine(image.size(), options, rng);
  const cv::Mat dx = random_displacement(image.size(), options, rng);
  const cv::Mat dy = random_displacement(image.size(), options, rng);
  cv::Mat map_x(image.size(), CV_32F), map_y(image.size(), CV_32F);
  for (int y = 0; y < image.rows; ++y) {
    const auto* ddx = dx.ptr<float>(y);
    const auto* ddy = dy.ptr<float>(y);
    auto* mx = map_x.ptr<float>(y);
    auto* my = map_y.ptr<float>(y);
    for (int x = 0; x < image.cols; ++x) {
      mx[x] = static_cast<float>(x) + ddx[x];
      my[x] = static_cast<float>(y) + ddy[x];
    }
  }
  cv::warpAffine(image, image, affine, image.size(), cv::INTER_LINEAR, cv::BORDER_REFLECT);
  cv::remap(image, image, map_x, map_y, cv::INTER_LINEAR, cv::BORDER_REFLECT);
  image.copyTo(view_of(image_out));

  // Every mask channel goes through the same warps.
  const int64_t channels = mask_in.dim() == 3 ? mask_in.size(0) : 1;
  for (int64_t c = 0; c < channels; ++c) {
    at::Tensor channel = mask_in.dim() == 3 ? mask_out[c] : mask_out;
    cv::Mat mask = view_of(channel).clone();
    cv::warpAffine(mask, mask, affine, mask.size(), cv::INTER_LINEAR, cv::BORDER_CONSTANT, 0.0);
    cv::remap(mask, mask, map_x, map_y, cv::INTER_LINEAR, cv::BORDER_CONSTANT, 0.0);
    cv::threshold(mask, mask, 0.5, 1.0, cv::THRESH_BINARY);
    mask.copyTo(view_of(channel));
  }
  return {image_out, mask_out};
}

}  // namespace protoseg::data
