#pragma once

#include <ATen/core/Tensor.h>

namespace protoseg::train {

/// The loss of the language-guided U-Nets: soft Dice (over the whole batch, smoothing 1e-5 as
/// MONAI's DiceLoss) plus binary cross-entropy with logits, both on logits [B, 1, H, W] against
/// masks in {0, 1}. The sigmoid is applied once (the released ProLearn code applies it twice).
/// Computed in float32.
at::Tensor dice_bce_loss(const at::Tensor& logits, const at::Tensor& masks);

}  // namespace protoseg::train
