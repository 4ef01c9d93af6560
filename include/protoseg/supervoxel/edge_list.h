#pragma once

#include <cstdint>
#include <cstdlib>
#include <memory>

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
/// contiguous costs. Uninitialised, on huge pages where the kernel offers them (fewer page
/// faults for the few hundred MB a volume needs). resize() keeps the memory when it is large
/// enough, so one list can serve volume after volume.
class EdgeList {
 public:
  explicit EdgeList(int64_t size = 0) { resize(size); }
  /// Makes room for `size` edges; contents are not preserved.
  void resize(int64_t size);

  int64_t size() const { return size_; }
  double* costs() { return costs_.get(); }
  const double* costs() const { return costs_.get(); }
  uint32_t* ids() { return ids_.get(); }
  const uint32_t* ids() const { return ids_.get(); }

 private:
  struct Free {
    void operator()(void* p) const { std::free(p); }
  };
  std::unique_ptr<double, Free> costs_;
  std::unique_ptr<uint32_t, Free> ids_;
  int64_t size_ = 0;
  int64_t capacity_ = 0;
};

}  // namespace protoseg::supervoxel
