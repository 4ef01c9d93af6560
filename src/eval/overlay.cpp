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

}  // namespace protoseg::eval
