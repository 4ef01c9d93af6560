#pragma once

#include <array>
#include <cstdint>

#include "protoseg/supervoxel/edge_list.h"

namespace protoseg::supervoxel {

/// One of the 13 neighbour directions (half of the 26-neighbourhood) of ADNet's 3D graph,
/// as a step (dz, dy, dx) from the second voxel of an edge to the first.
struct GridDirection {
  int dz, dy, dx;
};

/// The 13 directions in the order ADNet enumerates its edge blocks: in-plane
/// (y, xy, x, y-x), then through-plane (zy, zyx, zx, z-y, z-y-x, z-x, zy-x, z-yx), then z.
/// The edge list concatenates one block per direction in this order, each block in C order
/// of its first voxel; that order decides how ties are broken.
const std::array<GridDirection, 13>& grid_directions();

/// Squared-distance weight of a direction for anisotropic voxels, with s = z spacing divided
/// by in-plane spacing: in-plane 1, z s^2, z + in-plane axis (1+s^2)/2, z + in-plane diagonal
/// (2+s^2)/3 (computed exactly as the reference does, to keep costs bit-identical).
double direction_weight(const GridDirection& direction, double s);

/// Fills `edges` (resized as needed) with all edges of a [depth, height, width] float64 image
/// (flat C-ordered `image`), in ADNet's order, with cost sqrt(w * (I_a - I_b)^2). Uses `threads`
/// threads; the result does not depend on them. Requires fewer than 2^28 voxels.
void build_grid_edges(const double* image, int64_t depth, int64_t height, int64_t width,
                      double z_over_xy_spacing, int threads, EdgeList& edges);

/// Flat index offset of each direction: an edge joins `voxel` and `voxel - offset[direction]`.
std::array<int64_t, 13> direction_offsets(int64_t height, int64_t width);

}  // namespace protoseg::supervoxel
