#pragma once

#include <ATen/core/Tensor.h>

namespace protoseg::supervoxel {

/// ADNet's per-slice body mask of a [D,H,W] image: voxels above `threshold`, the largest
/// 8-connected component of each slice (first in raster order on ties), holes filled
/// (background not 4-connected to the slice border). A slice with nothing above the threshold
/// gets an empty mask. Returns bool [D,H,W]. `parallel` spreads slices over LibTorch's threads.
at::Tensor body_mask(const at::Tensor& image, double threshold, bool parallel = true);

}  // namespace protoseg::supervoxel
