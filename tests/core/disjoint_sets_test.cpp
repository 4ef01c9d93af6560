#include "protoseg/core/disjoint_sets.h"

#include <vector>

#include <gtest/gtest.h>

namespace protoseg::core {
namespace {

TEST(DisjointSetsTest, StartsAsSingletons) {
  std::vector<int32_t> parent(5, 7);
  DisjointSets sets(parent.data(), 5);
  for (int32_t v = 0; v < 5; ++v) {
    EXPECT_TRUE(sets.is_root(v));
    EXPECT_EQ(sets.find(v), v);
    EXPECT_EQ(sets.size(v), 1);
  }
}

TEST(DisjointSetsTest, JoinKeepsTheLargerRootAndAddsSizes) {
  std::vector<int32_t> parent(6);
  DisjointSets sets(parent.data(), 6);
  sets.unite(0, 1);
  sets.unite(1, 2);
  const int32_t big = sets.find(2);
  const int32_t root = sets.join(sets.find(5), big);
  EXPECT_EQ(root, big);
  EXPECT_EQ(sets.size(root), 4);
  EXPECT_EQ(sets.find(5), sets.find(0));
  EXPECT_NE(sets.find(3), sets.find(0));
  EXPECT_FALSE(sets.is_root(5));
  sets.unite(3, 4);
  sets.unite(4, 0);
  EXPECT_EQ(sets.size(sets.find(3)), 6);
}

}  // namespace
}  // namespace protoseg::core
