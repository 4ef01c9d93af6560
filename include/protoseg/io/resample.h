#pragma once

#include <array>
#include <cstdint>

#include <ATen/core/Tensor.h>

#include "protoseg/io/volume.h"

namespace protoseg::io {

/// How voxel values are read between grid points.
enum class Interpolation {
  kLinear,   ///< trilinear (intensities)
  kNearest,  ///< nearest voxel (label maps)
};

/// The 4 x 4 map from ITK voxel index (i, j, k, 1) to LPS millimetres,
/// `origin + direction * (spacing .* index)`, float64.
at::Tensor index_to_world(const Geometry& geometry);

/// `source` sampled on the grid `target` through physical space (any size, spacing, origin and
/// direction on either side): every target voxel centre is mapped to the source's continuous
/// index and interpolated. Points outside the source read `outside` (in the source's units).
/// Float data comes back float32 (kLinear) or in the source dtype (kNearest).
Volume resample(const Volume& source, const Geometry& target, Interpolation interpolation,
                double outside = 0.0);

/// The grid a query volume is segmented on: the axes of `model` (the direction of the training
/// volumes, so slices are cut as in training); in plane `size` x `size` voxels covering
/// `field_of_view` mm (the training slices' extent), or with `field_of_view` 0 the query's own
/// in-plane extent (as resizing its slices to `size` would), centred on the query; along the
/// slice axis the query's own spacing over its whole extent.
Geometry segmentation_grid(const Geometry& query, const Geometry& model, int64_t size,
                           double field_of_view);

}  // namespace protoseg::io
