#pragma once

#include <cstdint>

#include "protoseg/supervoxel/huge_page_array.h"

namespace protoseg::supervoxel {

/// Voxels addressable by an edge id.
constexpr int64_t kMaxGraphVoxels = int64_t{1} << 28;

/// An edge joins voxel `edge_voxel(id)` (flat index into [D,H,W]) with
/// `edge_voxel(id) - offset[edge_direction(id)]` for one of the 13 neighbour directions
/// (see grid_edges.h); both fit in one 32-bit id.
inline uint32_t edge_id(uint32_t voxel, uint32_t direction) { return voxel << 4 | direction; }
inline uint32_t edge_voxel(uint32_t id) { return id >> 4; }
inline uint32_t edge_direction(uint32_t id) { return id & 15u; }

/// The edges of a voxel graph as two parallel arrays, costs and ids, so that sorting scans
/// contiguous costs. Uninitialised, on huge pages; resize() keeps the memory when it is large
/// enough, so one list can serve volume after volume.
class EdgeList {
 public:
  explicit EdgeList(int64_t size = 0) { resize(size); }
  /// Makes room for `size` edges; contents are not preserved.
  void resize(int64_t size) {
    costs_.resize(size);
    ids_.resize(size);
  }

  int64_t size() const { return costs_.size(); }
  double* costs() { return costs_.data(); }
  const double* costs() const { return costs_.data(); }
  uint32_t* ids() { return ids_.data(); }
  const uint32_t* ids() const { return ids_.data(); }

 private:
  HugePageArray<double> costs_;
  HugePageArray<uint32_t> ids_;
};

}  // namespace protoseg::supervoxel
