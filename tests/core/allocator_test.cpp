#include "protoseg/core/allocator.h"

#include <cstdlib>
#include <cstring>

#include <gtest/gtest.h>

#if defined(__GLIBC__)
#include <malloc.h>
#endif

namespace protoseg::core {
namespace {

#if defined(__GLIBC__)
TEST(RetainFreedMemoryTest, AFreedActivationSizedBlockStaysInTheHeap) {
  ASSERT_TRUE(retain_freed_memory());
  // 16 MiB: above glibc's default mmap threshold, so by default it would be a fresh mapping,
  // faulted in on first touch and unmapped by free().
  constexpr size_t kBytes = 16u << 20;
  const size_t mapped_before = mallinfo2().hblkhd;
  void* block = std::malloc(kBytes);
  ASSERT_NE(block, nullptr);
  std::memset(block, 1, kBytes);
  EXPECT_EQ(mallinfo2().hblkhd, mapped_before) << "the block was mmapped on its own";
  std::free(block);
  EXPECT_GE(mallinfo2().fordblks, kBytes) << "the freed block was handed back to the kernel";
}
#else
TEST(RetainFreedMemoryTest, OtherCLibrariesAreLeftAlone) { EXPECT_FALSE(retain_freed_memory()); }
#endif

}  // namespace
}  // namespace protoseg::core
