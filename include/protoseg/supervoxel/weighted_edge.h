#pragma once

#include <cstdint>
#include <cstdlib>
#include <memory>

namespace protoseg::supervoxel {

/// One edge of the voxel graph, packed into 12 bytes (the sort moves tens of millions):
/// it joins voxel `voxel()` (flat index into [D,H,W]) with `voxel() - offset[direction()]`
/// for one of the 13 neighbour directions (see grid_edges.h).
struct __attribute__((packed)) WeightedEdge {
  double cost;
  uint32_t id;  ///< voxel << 4 | direction

  static WeightedEdge make(double cost, uint32_t voxel, uint32_t direction) {
    return {cost, voxel << 4 | direction};
  }
  uint32_t voxel() const { return id >> 4; }
  uint32_t direction() const { return id & 15u; }
};
static_assert(sizeof(WeightedEdge) == 12, "WeightedEdge must stay packed");

/// Voxels addressable by WeightedEdge::id.
constexpr int64_t kMaxGraphVoxels = int64_t{1} << 28;

/// An uninitialised edge array on huge pages where the kernel offers them (fewer page faults
/// for the few hundred MB a volume needs). resize() keeps the memory when it is large enough,
/// so one list can serve volume after volume without faulting fresh pages each time.
class EdgeList {
 public:
  explicit EdgeList(int64_t size = 0) { resize(size); }
  /// Makes room for `size` edges; contents are not preserved.
  void resize(int64_t size);
  /// Frees the memory.
  void release();
  WeightedEdge* data() { return data_.get(); }
  const WeightedEdge* data() const { return data_.get(); }
  int64_t size() const { return size_; }
  WeightedEdge& operator[](int64_t i) { return data_.get()[i]; }
  const WeightedEdge& operator[](int64_t i) const { return data_.get()[i]; }

 private:
  struct Free {
    void operator()(WeightedEdge* p) const { std::free(p); }
  };
  std::unique_ptr<WeightedEdge, Free> data_;
  int64_t size_ = 0;
  int64_t capacity_ = 0;
};

}  // namespace protoseg::supervoxel
