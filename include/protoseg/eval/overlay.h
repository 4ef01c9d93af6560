#pragma once

#include <ATen/core/Tensor.h>

namespace protoseg::eval {

/// A quick-look RGB picture of a prediction on one slice: the image in gray (min-max scaled),
/// true positives yellow, false negatives (missed truth) green, false positives red, each
/// blended at 50 %. image [H, W] float, truth and prediction [H, W] bool -> [H, W, 3] uint8.
at::Tensor overlay_rgb(const at::Tensor& image, const at::Tensor& truth,
                       const at::Tensor& prediction);

}  // namespace protoseg::eval
