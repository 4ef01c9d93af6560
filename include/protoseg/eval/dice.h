#pragma once

#include <ATen/core/Tensor.h>

namespace protoseg::eval {

/// Dice coefficient 2TP / (2TP + FP + FN) of two binary masks of one shape (any dimension;
/// nonzero is foreground). 1 when both are empty.
double dice_coefficient(const at::Tensor& prediction, const at::Tensor& truth);

}  // namespace protoseg::eval
