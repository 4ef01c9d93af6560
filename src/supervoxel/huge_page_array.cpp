#include "protoseg/supervoxel/huge_page_array.h"

#include <sys/mman.h>

#include <cstdlib>
#include <new>

namespace protoseg::supervoxel {

void* allocate_huge_pages(size_t bytes) {
  constexpr size_t kHugePage = size_t{2} << 20;
  bytes = (bytes + kHugePage - 1) / kHugePage * kHugePage;
  void* memory = std::aligned_alloc(kHugePage, bytes == 0 ? kHugePage : bytes);
  if (memory == nullptr) throw std::bad_alloc();
#ifdef MADV_HUGEPAGE
  madvise(memory, bytes, MADV_HUGEPAGE);
#endif
  return memory;
}

}  // namespace protoseg::supervoxel
