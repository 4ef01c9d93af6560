#pragma once

#include <ATen/core/Tensor.h>

#include "protoseg/io/volume.h"
#include "protoseg/supervoxel/felzenszwalb3d.h"

namespace protoseg::supervoxel {

/// Options of ADNet's supervoxel pseudo-labels.
struct SupervoxelOptions {
  /// Felzenszwalb min_size, which in practice sets the supervoxel size (ADNet's n_sv).
  int64_t n_sv = 5000;
  /// Body-mask threshold on the [0, 255]-rescaled image.
  double body_threshold = 10.0;
  /// Threads; <= 0 uses LibTorch's intra-op thread count.
  int threads = 0;
};

/// ADNet's supervoxel pseudo-labels for one image volume (any float dtype, [D,H,W]):
/// rescale to [0, 255], 3D Felzenszwalb (scale 1, sigma 0, min_size = n_sv, anisotropy from
/// the volume's z / x spacing), then the per-slice body mask: segment 0 is renumbered to
/// max + 1 and voxels outside the body become 0. Returns int32 [D,H,W]; labels are
/// 1..n inside the body, 0 outside. `workspace` (optional) keeps the graph's memory between
/// volumes.
at::Tensor make_supervoxels(const io::Volume& image, const SupervoxelOptions& options,
                            FelzenszwalbWorkspace* workspace = nullptr);

/// Rescales intensities to [0, 255] as ADNet does: 255 * (x - min) / (max - min), in float64.
/// A constant image maps to all zeros.
at::Tensor rescale_to_255(const at::Tensor& image);

}  // namespace protoseg::supervoxel
