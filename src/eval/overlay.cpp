#include "protoseg/eval/overlay.h"

#include <torch/torch.h>

namespace protoseg::eval {

at::Tensor overlay_rgb(const at::Tensor& image, const at::Tensor& truth,
                       const at::Tensor& prediction) {
  TORCH_CHECK(
      image.dim() == 2 && truth.sizes() == image.sizes() && prediction.sizes() == image.sizes(),
      "overlay_rgb expects image, truth and prediction of one [H,W] shape, got ", image.sizes(),
      ", ", truth.sizes(), ", ", prediction.sizes());
  const at::Tensor x = image.to(torch::kCPU, torch::kFloat);
  const float low = x.min().item<float>();
  const float high = x.max().item<float>();
  const at::Tensor gray = (x - low) / std::max(high - low, 1e-6f) * 255.0f;
  at::Tensor rgb = gray.unsqueeze(2).repeat({1, 1, 3});
  const at::Tensor t = truth.to(torch::kCPU).gt(0);
  const at::Tensor p = prediction.to(torch::kCPU).gt(0);
  auto blend = [&rgb](const at::Tensor& where, float r, float g, float b) {
    const at::Tensor colour = torch::tensor({r, g, b}).reshape({1, 1, 3});
    rgb = torch::where(where.unsqueeze(2), 0.5f * rgb + 0.5f * colour, rgb);
  };
  blend(t & p, 255, 255, 0);
  blend(t & ~p, 0, 255, 0);
  blend(~t & p, 255, 0, 0);
  return rgb.round().clamp(0, 255).to(torch::kUInt8);
}

at::Tensor labels_overlay_rgb(const at::Tensor& image, const at::Tensor& labels) {
  TORCH_CHECK(image.dim() == 2 && labels.sizes() == image.sizes(),
              "labels_overlay_rgb expects image and labels of one [H,W] shape, got ", image.sizes(),
              " and ", labels.sizes());
  static const float palette[][3] = {{255, 0, 0},   {0, 255, 0},   {0, 0, 255},   {255, 255, 0},
                                     {255, 0, 255}, {0, 255, 255}, {255, 128, 0}, {128, 0, 255}};
  const at::Tensor x = image.to(torch::kCPU, torch::kFloat);
  const float low = x.min().item<float>();
  const float high = x.max().item<float>();
  at::Tensor rgb =
      ((x - low) / std::max(high - low, 1e-6f) * 255.0f).unsqueeze(2).repeat({1, 1, 3});
  const at::Tensor l = labels.to(torch::kCPU, torch::kLong);
  const int64_t highest = l.numel() ? l.max().item<int64_t>() : 0;
  for (int64_t label = 1; label <= highest; ++label) {
    const float* c = palette[(label - 1) % 8];
    const at::Tensor colour = torch::tensor({c[0], c[1], c[2]}).reshape({1, 1, 3});
    rgb = torch::where(l.eq(label).unsqueeze(2), 0.5f * rgb + 0.5f * colour, rgb);
  }
  return rgb.round().clamp(0, 255).to(torch::kUInt8);
}

at::Tensor supervoxel_overlay_rgb(const at::Tensor& image, const at::Tensor& supervoxels) {
  at::Tensor rgb = labels_overlay_rgb(image, supervoxels);
  const at::Tensor l = supervoxels.to(torch::kCPU, torch::kLong);
  at::Tensor boundary = torch::zeros(l.sizes(), torch::kBool);
  const int64_t h = l.size(0), w = l.size(1);
  if (w > 1) {
    boundary.narrow(1, 0, w - 1) |= l.narrow(1, 0, w - 1).ne(l.narrow(1, 1, w - 1));
  }
  if (h > 1) {
    boundary.narrow(0, 0, h - 1) |= l.narrow(0, 0, h - 1).ne(l.narrow(0, 1, h - 1));
  }
  return rgb.masked_fill(boundary.unsqueeze(2), 255);
}

}  // namespace protoseg::eval
