#include "protoseg/eval/mask_at_size.h"

#include <vector>

#include <torch/torch.h>

namespace protoseg::eval {

at::Tensor mask_at_size(const at::Tensor& logits, int64_t height, int64_t width) {
  TORCH_CHECK(logits.dim() == 2 || (logits.dim() == 3 && logits.size(0) == 1),
              "mask_at_size expects logits [S,S] or [1,S,S], got ", logits.sizes());
  TORCH_CHECK(height > 0 && width > 0, "mask_at_size: size must be positive, got ", height, " x ",
              width);
  namespace F = torch::nn::functional;
  at::Tensor x = logits.to(torch::kCPU, torch::kFloat).reshape({1, 1, logits.size(-2), -1});
  if (x.size(2) != height || x.size(3) != width) {
    x = F::interpolate(x, F::InterpolateFuncOptions()
                              .size(std::vector<int64_t>{height, width})
                              .mode(torch::kBilinear)
                              .align_corners(false));
  }
  return x[0][0].ge(0).to(torch::kUInt8).mul_(255);
}

}  // namespace protoseg::eval
