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

using Matrix3 = std::array<double, 9>;

Matrix3 multiply(const Matrix3& a, const Matrix3& b) {
  Matrix3 c{};
  for (int i = 0; i < 3; ++i) {
    for (int j = 0; j < 3; ++j) {
      for (int k = 0; k < 3; ++k) c[3 * i + j] += a[3 * i + k] * b[3 * k + j];
    }
  }
  return c;
}

// OpenCV's getRotationMatrix2D as a 3x3 matrix: rotation by `degrees` and scaling about
// (cx, cy).
Matrix3 rotation_about(double cx, double cy, double degrees, double scale) {
  const double a = scale * std::cos(degrees * kPi / 180.0);
  const double b = scale * std::sin(degrees * kPi / 180.0);
  return {a, b, (1 - a) * cx - b * cy, -b, a, b * cx + (1 - a) * cy, 0, 0, 1};
}

// A cv::Mat view of a contiguous [H, W] float32 CPU tensor (no copy).
cv::Mat view_of(const at::Tensor& t) {
  TORCH_CHECK(t.dim() == 2 && t.scalar_type() == at::kFloat && t.is_contiguous() && t.is_cpu(),
              "expected a contiguous [H,W] float32 CPU tensor, got ", t.sizes(), " ",
              t.scalar_type());
  return cv::Mat(static_cast<int>(t.size(0)), static_cast<int>(t.size(1)), CV_32F,
                 t.data_ptr<float>());
}

// Half-sample symmetric index (..., 1, 0 | 0, 1, ..., n-1 | n-1, n-2, ...).
int64_t mirrored(int64_t i, int64_t n) {
  const int64_t period = 2 * n;
  i %= period;
  if (i < 0) i += period;
  return i >= n ? period - 1 - i : i;
}

}  // namespace

void apply_gamma(at::Tensor& image, double gamma) {
  cv::Mat mat = view_of(image);
  double low = 0.0, high = 0.0;
  cv::minMaxLoc(mat, &low, &high);
  const double range = high - low + 1e-5;
  mat.forEach<float>([&](float& v, const int*) {
    v = static_cast<float>(range * std::pow((v - low + 1e-5) / range, gamma) + low);
  });
}

double draw_gamma(const SliceAugmentationOptions& options, std::mt19937_64& rng) {
  return uniform(rng, options.gamma_min, options.gamma_max);
}

GeometricDraw draw_geometric(int64_t height, int64_t width, const SliceAugmentationOptions& o,
                             std::mt19937_64& rng) {
  GeometricDraw draw;
  draw.affine.rotation_deg = uniform(rng, -o.rotation_deg, o.rotation_deg);
  draw.affine.shift_x = uniform(rng, -o.translation_px, o.translation_px);
  draw.affine.shift_y = uniform(rng, -o.translation_px, o.translation_px);
  draw.affine.shear_deg = uniform(rng, -o.shear_deg, o.shear_deg);
  draw.affine.zoom = uniform(rng, o.zoom_min, o.zoom_max);
  for (at::Tensor* noise : {&draw.noise_x, &draw.noise_y}) {
    *noise = torch::empty({height, width}, torch::kDouble);
    double* values = noise->data_ptr<double>();
    for (int64_t i = 0; i < noise->numel(); ++i) values[i] = uniform(rng, -1.0, 1.0);
  }
  return draw;
}

std::array<double, 6> affine_matrix(const AffineParameters& p, int64_t height, int64_t width) {
  // The reference centres both on (input_shape[0] / 2, input_shape[1] // 2).
  const double cx = static_cast<double>(height) / 2.0;
  const double cy = static_cast<double>(width / 2);
  const Matrix3 rotation = rotation_about(cx, cy, p.rotation_deg, 1.0);
  const Matrix3 shift = {1, 0, p.shift_x, 0, 1, p.shift_y, 0, 0, 1};
  const double s = p.shear_deg * kPi / 180.0;
  const Matrix3 shear = {1, -std::sin(s), 0, 0, std::cos(s), 0, 0, 0, 1};
  const Matrix3 zoom = rotation_about(cx, cy, 0.0, p.zoom);
  const Matrix3 m = multiply(zoom, multiply(shear, multiply(shift, rotation)));
  return {m[0], m[1], m[2], m[3], m[4], m[5]};
}

at::Tensor elastic_displacement(const at::Tensor& noise_x, const at::Tensor& noise_y, double alpha,
                                double sigma) {
  TORCH_CHECK(noise_x.dim() == 2 && noise_x.sizes() == noise_y.sizes(),
              "elastic_displacement: noise fields ", noise_x.sizes(), " and ", noise_y.sizes(),
              " must be equal [H,W]");
  const int kernel = static_cast<int>(4.0 * sigma) | 1;
  at::Tensor field = torch::empty({2, noise_x.size(0), noise_x.size(1)}, torch::kDouble);
  for (int64_t c = 0; c < 2; ++c) {
    const at::Tensor noise = (c == 0 ? noise_x : noise_y).to(torch::kDouble).contiguous();
    const cv::Mat source(static_cast<int>(noise.size(0)), static_cast<int>(noise.size(1)), CV_64F,
                         noise.data_ptr<double>());
    cv::Mat target(static_cast<int>(noise.size(0)), static_cast<int>(noise.size(1)), CV_64F,
                   field[c].data_ptr<double>());
    cv::GaussianBlur(source, target, cv::Size(kernel, kernel), sigma, 0.0, cv::BORDER_REFLECT_101);
    target *= alpha;
  }
  return field;
}

at::Tensor warp_channels(const at::Tensor& channels, const GeometricDraw& draw,
                         const SliceAugmentationOptions& options) {
  TORCH_CHECK(channels.dim() == 3 && channels.scalar_type() == at::kFloat && channels.is_cpu(),
              "warp_channels: expected a [C,H,W] float32 CPU tensor, got ", channels.sizes(), " ",
              channels.scalar_type());
  const int64_t height = channels.size(1), width = channels.size(2);
  const auto m = affine_matrix(draw.affine, height, width);
  const cv::Mat affine = (cv::Mat_<double>(2, 3) << m[0], m[1], m[2], m[3], m[4], m[5]);
  const at::Tensor field = elastic_displacement(draw.noise_x, draw.noise_y, options.elastic_alpha,
                                                options.elastic_sigma);
  const double* dx = field[0].data_ptr<double>();
  const double* dy = field[1].data_ptr<double>();

  at::Tensor out = torch::empty_like(channels, at::MemoryFormat::Contiguous);
  cv::Mat warped;
  for (int64_t c = 0; c < channels.size(0); ++c) {
    const at::Tensor input = channels[c].contiguous();
    cv::warpAffine(view_of(input), warped, affine,
                   cv::Size(static_cast<int>(width), static_cast<int>(height)), cv::INTER_LINEAR,
                   cv::BORDER_CONSTANT, 0.0);
    float* target = out[c].data_ptr<float>();
    // Sample the affine result at (row + dy, column + dx), bilinearly, mirrored outside.
    for (int64_t y = 0; y < height; ++y) {
      for (int64_t x = 0; x < width; ++x) {
        const int64_t i = y * width + x;
        const double r = static_cast<double>(y) + dy[i];
        const double q = static_cast<double>(x) + dx[i];
        const double r0 = std::floor(r), q0 = std::floor(q);
        const double fr = r - r0, fq = q - q0;
        const auto y0 = static_cast<int64_t>(r0), x0 = static_cast<int64_t>(q0);
        auto at = [&](int64_t yy, int64_t xx) {
          return static_cast<double>(warped.at<float>(static_cast<int>(mirrored(yy, height)),
                                                      static_cast<int>(mirrored(xx, width))));
        };
        target[i] =
            static_cast<float>((1 - fr) * (1 - fq) * at(y0, x0) + (1 - fr) * fq * at(y0, x0 + 1) +
                               fr * (1 - fq) * at(y0 + 1, x0) + fr * fq * at(y0 + 1, x0 + 1));
      }
    }
  }
  return out;
}

std::pair<at::Tensor, at::Tensor> geometric_transform(const at::Tensor& image,
                                                      const at::Tensor& masks,
                                                      const GeometricDraw& draw,
                                                      const SliceAugmentationOptions& options) {
  TORCH_CHECK(image.dim() == 2 && masks.dim() == 3 && masks.size(1) == image.size(0) &&
                  masks.size(2) == image.size(1),
              "geometric_transform: image ", image.sizes(), " and masks ", masks.sizes(),
              " differ in size");
  const at::Tensor stack = torch::cat({image.unsqueeze(0), masks}).to(torch::kFloat);
  const at::Tensor warped = warp_channels(stack, draw, options);
  // np.rint: round half to even, so a mask value of exactly 0.5 becomes 0.
  const at::Tensor rounded = warped.slice(0, 1).gt(0.5).to(torch::kFloat);
  return {warped[0].contiguous(), rounded.contiguous()};
}

}  // namespace protoseg::data
