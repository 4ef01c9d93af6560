#pragma once

#include <cstdint>

namespace protoseg::supervoxel {

/// One edge of the voxel graph: it joins voxel `voxel` (flat index into [D,H,W]) with
/// `voxel - offset[direction]` for one of the 13 neighbour directions (see grid_edges.h).
struct WeightedEdge {
  double cost;
  uint32_t voxel;
  uint32_t direction;
};

}  // namespace protoseg::supervoxel
