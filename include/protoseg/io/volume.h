#pragma once

#include <array>
#include <cstdint>
#include <string>

#include <ATen/core/Tensor.h>

namespace protoseg::io {

/// Physical placement of a voxel grid, in ITK's (x, y, z) order and LPS millimetres:
/// the centre of voxel index (i, j, k) lies at origin + direction * (spacing .* (i, j, k)).
struct Geometry {
  std::array<int64_t, 3> size{0, 0, 0};                        ///< voxels along x, y, z
  std::array<double, 3> spacing{1.0, 1.0, 1.0};                ///< mm along x, y, z
  std::array<double, 3> origin{0.0, 0.0, 0.0};                 ///< mm, centre of voxel (0, 0, 0)
  std::array<double, 9> direction{1, 0, 0, 0, 1, 0, 0, 0, 1};  ///< row-major 3x3 cosines

  /// True when sizes match and spacing, origin and direction agree within `tolerance`
  /// (relative for spacing, absolute mm for origin).
  bool same_grid(const Geometry& other, double tolerance = 1e-4) const;
  /// e.g. "256x256x37 @ 1.25x1.25x7.7 mm".
  std::string describe() const;
};

/// A 3D medical image. `data` is a contiguous CPU tensor [D, H, W] = (z, y, x): tensor index
/// [k][j][i] holds ITK voxel (i, j, k), so W runs along x and D along z (slices).
/// Intensity volumes are float32 (or float64 on request); label maps are int64.
struct Volume {
  at::Tensor data;
  Geometry geometry;
};

}  // namespace protoseg::io
