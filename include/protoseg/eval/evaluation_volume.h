#pragma once

#include <cstdint>

#include <ATen/core/Tensor.h>

#include "protoseg/data/volume_dataset.h"

namespace protoseg::eval {

/// A volume as evaluation uses it.
struct EvaluationVolume {
  int id = 0;
  at::Tensor image;          ///< [D, H, W] float32, z-scored per volume
  at::Tensor network_image;  ///< [D, S, S], resized to the network size (bilinear)
  at::Tensor labels;         ///< [D, H, W] int64
};

/// Reads volume `index` of `dataset` with its labels (same grid, checked), z-scores it and
/// resizes it to `size` x `size`.
EvaluationVolume load_evaluation_volume(const data::VolumeDataset& dataset, size_t index, int size);

/// Resizes slices [D, h, w] to [D, height, width] as float32: nearest (label maps) or bilinear
/// with align_corners = false (images). Returns the input when the size already matches.
at::Tensor resize_slices(const at::Tensor& slices, int64_t height, int64_t width, bool nearest);

}  // namespace protoseg::eval
