#include "protoseg/supervoxel/weighted_edge.h"

#include <sys/mman.h>

#include <new>

namespace protoseg::supervoxel {

void EdgeList::release() {
  data_.reset();
  size_ = capacity_ = 0;
}

void EdgeList::resize(int64_t size) {
  size_ = size;
  if (size <= capacity_) return;
  data_.reset();
  constexpr size_t kHugePage = size_t{2} << 20;
  const size_t bytes =
      (static_cast<size_t>(size) * sizeof(WeightedEdge) + kHugePage - 1) / kHugePage * kHugePage;
  void* memory = std::aligned_alloc(kHugePage, bytes == 0 ? kHugePage : bytes);
  if (memory == nullptr) throw std::bad_alloc();
#ifdef MADV_HUGEPAGE
  madvise(memory, bytes, MADV_HUGEPAGE);
#endif
  data_.reset(static_cast<WeightedEdge*>(memory));
  capacity_ = static_cast<int64_t>(bytes / sizeof(WeightedEdge));
}

}  // namespace protoseg::supervoxel
