#pragma once

#include <cstdint>

#include <ATen/core/Tensor.h>

namespace protoseg::eval {

/// A binary segmentation at an image's own size: logits [1, S, S] (or [S, S]) at the model's
/// input size are resized bilinearly (align_corners false) to height x width and thresholded
/// at 0 (probability 0.5). Returns [height, width] uint8 on the CPU, 255 inside, 0 outside:
/// the mask file prolearn-predict and prolearn-eval --masks write.
at::Tensor mask_at_size(const at::Tensor& logits, int64_t height, int64_t width);

}  // namespace protoseg::eval
