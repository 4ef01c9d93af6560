#include "protoseg/core/allocator.h"

#if defined(__GLIBC__)
#include <malloc.h>
#endif

namespace protoseg::core {

bool retain_freed_memory() {
#if defined(__GLIBC__)
  constexpr int kMmapThreshold = 32 << 20;  // glibc's largest allowed value
  constexpr int kTopPad = 512 << 20;
  // M_TRIM_THRESHOLD takes an int: the largest one, i.e. the heap is not given back.
  constexpr int kTrimThreshold = 0x7fffffff;
  return mallopt(M_MMAP_THRESHOLD, kMmapThreshold) == 1 &&
         mallopt(M_TRIM_THRESHOLD, kTrimThreshold) == 1 && mallopt(M_TOP_PAD, kTopPad) == 1;
#else
  return false;
#endif
}

}  // namespace protoseg::core
