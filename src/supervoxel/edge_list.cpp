#include "protoseg/supervoxel/edge_list.h"

#include <sys/mman.h>

#include <new>

namespace protoseg::supervoxel {
namespace {

void* allocate_huge(size_t bytes) {
  constexpr size_t kHugePage = size_t{2} << 20;
  bytes = (bytes + kHugePage - 1) / kHugePage * kHugePage;
  void* memory = std::aligned_alloc(kHugePage, bytes == 0 ? kHugePage : bytes);
  if (memory == nullptr) throw std::bad_alloc();
#ifdef MADV_HUGEPAGE
  madvise(memory, bytes, MADV_HUGEPAGE);
#endif
  return memory;
}

}  // namespace

void EdgeList::resize(int64_t size) {
  size_ = size;
  if (size <= capacity_) return;
  costs_.reset();
  ids_.reset();
  // A few spare elements let vectorised scans read whole groups at the ends.
  const size_t count = static_cast<size_t>(size) + 8;
  costs_.reset(static_cast<double*>(allocate_huge(count * sizeof(double))));
  ids_.reset(static_cast<uint32_t*>(allocate_huge(count * sizeof(uint32_t))));
  capacity_ = size;
}

}  // namespace protoseg::supervoxel
