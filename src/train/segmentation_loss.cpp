#include "protoseg/train/segmentation_loss.h"

#include <torch/torch.h>

namespace protoseg::train {

at::Tensor dice_bce_loss(const at::Tensor& logits, const at::Tensor& masks) {
  TORCH_CHECK(logits.sizes() == masks.sizes(), "dice_bce_loss: logits ", logits.sizes(),
              " and masks ", masks.sizes(), " differ");
  constexpr double kSmooth = 1e-5;
  const torch::Tensor x = logits.to(torch::kFloat);
  const torch::Tensor y = masks.to(torch::kFloat);
  const torch::Tensor probabilities = torch::sigmoid(x);
  const torch::Tensor intersection = (probabilities * y).sum();
  const torch::Tensor dice =
      1.0 - (2.0 * intersection + kSmooth) / (probabilities.sum() + y.sum() + kSmooth);
  return dice + torch::binary_cross_entropy_with_logits(x, y);
}

}  // namespace protoseg::train
