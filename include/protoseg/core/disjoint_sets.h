#pragma once

#include <cstdint>
#include <utility>

namespace protoseg::core {

/// Union-find over n elements in caller-owned memory: a root stores -(size of its set), any
/// other element its parent. Union by size, path halving. Holds fewer than 2^31 elements.
class DisjointSets {
 public:
  /// Makes every element of `parent` (n entries) a singleton.
  DisjointSets(int32_t* parent, int64_t n) : parent_(parent) {
    for (int64_t v = 0; v < n; ++v) parent_[v] = -1;
  }

  int32_t find(int32_t x) {
    while (parent_[x] >= 0) {
      const int32_t up = parent_[x];
      if (parent_[up] >= 0) parent_[x] = parent_[up];  // path halving
      x = up;
    }
    return x;
  }
  bool is_root(int32_t x) const { return parent_[x] < 0; }
  int64_t size(int32_t root) const { return -static_cast<int64_t>(parent_[root]); }
  /// Joins two roots and returns the new root (the root of the larger set).
  int32_t join(int32_t a, int32_t b) {
    if (parent_[a] > parent_[b]) std::swap(a, b);
    parent_[a] += parent_[b];
    parent_[b] = a;
    return a;
  }
  /// Joins the sets of two elements.
  void unite(int32_t x, int32_t y) {
    const int32_t a = find(x), b = find(y);
    if (a != b) join(a, b);
  }
  void prefetch(int64_t x) const { __builtin_prefetch(&parent_[x]); }

 private:
  int32_t* parent_;
};

}  // namespace protoseg::core
