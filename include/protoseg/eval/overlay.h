#pragma once

#include <ATen/core/Tensor.h>

namespace protoseg::eval {

/// A quick-look RGB picture of a prediction on one slice: the image in gray (min-max scaled),
/// true positives yellow, false negatives (missed truth) green, false positives red, each
/// blended at 50 %. image [H, W] float, truth and prediction [H, W] bool -> [H, W, 3] uint8.
at::Tensor overlay_rgb(const at::Tensor& image, const at::Tensor& truth,
                       const at::Tensor& prediction);

/// A quick-look RGB picture of a label map on one slice: the image in gray, each label > 0
/// blended at 50 % in a colour of a fixed palette (label 1 red, 2 green, 3 blue, 4 yellow, ...).
/// image [H, W] float, labels [H, W] integer -> [H, W, 3] uint8.
at::Tensor labels_overlay_rgb(const at::Tensor& image, const at::Tensor& labels);

/// A quick-look RGB picture of a supervoxel partition on one slice: labels_overlay_rgb with
/// every pixel whose right or lower neighbour belongs to another segment drawn white, so
/// neighbouring supervoxels of one palette colour stay apart and the body outline shows.
/// image [H, W] float, supervoxels [H, W] integer (0: outside the body) -> [H, W, 3] uint8.
at::Tensor supervoxel_overlay_rgb(const at::Tensor& image, const at::Tensor& supervoxels);

}  // namespace protoseg::eval
