#include "protoseg/supervoxel/huge_page_array.h"

#include <cstdint>

#include <gtest/gtest.h>

namespace protoseg::supervoxel {
namespace {

TEST(HugePageArrayTest, AlignedToHugePagesAndWritable) {
  HugePageArray<uint32_t> array(1000);
  ASSERT_EQ(array.size(), 1000);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(array.data()) % (uintptr_t{2} << 20), 0u);
  for (int64_t i = 0; i < array.size(); ++i) array[i] = static_cast<uint32_t>(i);
  EXPECT_EQ(array[999], 999u);
}

TEST(HugePageArrayTest, ShrinkingKeepsTheMemoryAndGrowingReplacesIt) {
  HugePageArray<double> array(1 << 20);
  const double* first = array.data();
  array.resize(10);
  EXPECT_EQ(array.size(), 10);
  EXPECT_EQ(array.data(), first);
  array.resize(1 << 20);
  EXPECT_EQ(array.data(), first);
  array.resize((1 << 20) + 1);
  EXPECT_EQ(array.size(), (1 << 20) + 1);
  ASSERT_NE(array.data(), nullptr);
  array[(1 << 20)] = 1.5;
  EXPECT_EQ(array[(1 << 20)], 1.5);
}

}  // namespace
}  // namespace protoseg::supervoxel
