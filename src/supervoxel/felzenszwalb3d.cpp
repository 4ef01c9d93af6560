#include "protoseg/supervoxel/felzenszwalb3d.h"

#include <algorithm>
#include <chrono>
#include <vector>

#include <ATen/Parallel.h>
#include <torch/torch.h>

#include "protoseg/supervoxel/grid_edges.h"
#include "protoseg/supervoxel/numpy_order_sort.h"

namespace protoseg::supervoxel {
namespace {

// Union-find over voxels: a root stores -(component size), any other node its parent.
// Each component's members also form a circular list (`next_`), so a component can be
// enumerated when it grows past min_size.
class DisjointSets {
 public:
  explicit DisjointSets(int64_t n) : parent_(static_cast<size_t>(n), -1), next_(n) {
    for (int64_t v = 0; v < n; ++v) next_[v] = static_cast<int32_t>(v);
  }

  int32_t find(int32_t x) {
    while (parent_[x] >= 0) {
      const int32_t up = parent_[x];
      if (parent_[up] >= 0) parent_[x] = parent_[up];  // path halving
      x = up;
    }
    return x;
  }
  int64_t size(int32_t root) const { return -static_cast<int64_t>(parent_[root]); }
  /// Joins two roots and returns the new root (the larger component).
  int32_t join(int32_t a, int32_t b) {
    if (parent_[a] > parent_[b]) std::swap(a, b);  // a is the larger
    parent_[a] += parent_[b];
    parent_[b] = a;
    std::swap(next_[a], next_[b]);  // splices the two circular member lists
    return a;
  }
  /// Calls visit(v) for every member of the component containing `start`.
  template <class Visit>
  void for_each_member(int32_t start, Visit visit) const {
    int32_t v = start;
    do {
      visit(v);
      v = next_[v];
    } while (v != start);
  }
  void prefetch(int64_t x) const { __builtin_prefetch(&parent_[x]); }

 private:
  std::vector<int32_t> parent_;
  std::vector<int32_t> next_;
};

// One bit per voxel: set once the voxel's component has reached min_size. An edge between two
// such voxels can never merge in pass 2, and the bits (a few hundred KB) stay in cache where
// the union-find arrays do not.
class BigVoxels {
 public:
  explicit BigVoxels(int64_t n) : bits_(static_cast<size_t>((n + 63) / 64), 0) {}
  bool test(int64_t v) const { return (bits_[v >> 6] >> (v & 63)) & 1u; }
  void set(int64_t v) { bits_[v >> 6] |= uint64_t{1} << (v & 63); }

 private:
  std::vector<uint64_t> bits_;
};

constexpr int kPrefetchDistance = 16;

}  // namespace

at::Tensor felzenszwalb3d(const at::Tensor& image, const FelzenszwalbOptions& options,
                          FelzenszwalbProfile* profile, EdgeList* workspace) {
  using Clock = std::chrono::steady_clock;
  auto tick = Clock::now();
  auto lap = [&](double FelzenszwalbProfile::*field) {
    const auto now = Clock::now();
    if (profile != nullptr) profile->*field = std::chrono::duration<double>(now - tick).count();
    tick = now;
  };
  TORCH_CHECK(image.dim() == 3, "felzenszwalb3d: expected a [D,H,W] image, got ", image.sizes());
  TORCH_CHECK(image.numel() > 0, "felzenszwalb3d: empty image ", image.sizes());
  TORCH_CHECK(options.min_size >= 1, "felzenszwalb3d: min_size must be >= 1, got ",
              options.min_size);
  TORCH_CHECK(options.z_over_xy_spacing > 0, "felzenszwalb3d: spacing ratio must be > 0, got ",
              options.z_over_xy_spacing);
  const at::Tensor input = image.to(torch::kCPU, torch::kFloat64).contiguous();
  const int64_t depth = input.size(0), height = input.size(1), width = input.size(2);
  const int64_t voxels = input.numel();
  const int threads = options.threads > 0 ? options.threads : at::get_num_threads();

  EdgeList local_edges;
  EdgeList& edges = workspace != nullptr ? *workspace : local_edges;
  build_grid_edges(input.data_ptr<double>(), depth, height, width, options.z_over_xy_spacing,
                   threads, edges);
  if (profile != nullptr) profile->edge_count = edges.size();
  lap(&FelzenszwalbProfile::edges_s);

  // The merge passes walk the sorted edges while background threads are still sorting the
  // rest (leftmost first); pass 2 usually finishes well before the end, and the sort stops there.
  // With k > 0 every zero-cost edge merges in pass 1 whatever its position, so their order
  // among themselves is free.
  NumpyOrderSorter sorter(edges.costs(), edges.ids(), edges.size(), threads,
                          options.scale > 0 ? std::optional<double>(0.0) : std::nullopt);
  const auto offsets = direction_offsets(height, width);
  const int64_t count = edges.size();
  int64_t final_prefix = 0;
  const double* costs = edges.costs();
  const uint32_t* ids = edges.ids();
  double waited_s = 0.0;
  auto wait_for = [&](int64_t i) {
    if (i >= final_prefix) {
      const auto start = Clock::now();
      final_prefix = sorter.wait_until_final(i);
      waited_s += std::chrono::duration<double>(Clock::now() - start).count();
    }
  };
  auto first_end = [&](int64_t i) { return static_cast<int32_t>(edge_voxel(ids[i])); };
  auto other_end = [&](int64_t i) {
    return static_cast<int32_t>(static_cast<int64_t>(edge_voxel(ids[i])) -
                                offsets[edge_direction(ids[i])]);
  };

  DisjointSets sets(voxels);
  // Pass 1: greedy merging with the adaptive threshold Int(C) + k/|C|.
  const double k = options.scale / 255.0;
  std::vector<double> internal(static_cast<size_t>(voxels), 0.0);
  double max_internal = 0.0;
  for (int64_t i = 0; i < count; ++i) {
    wait_for(i);
    const double cost = costs[i];
    // No component's threshold can exceed max Int + k: every later edge fails.
    if (cost > (max_internal + k) * (1.0 + 1e-6)) break;
    const int32_t a = sets.find(first_end(i));
    const int32_t b = sets.find(other_end(i));
    if (a == b) continue;
    // ADNet holds these thresholds in C floats; keep the rounding for identical decisions.
    const float threshold_a = static_cast<float>(internal[a] + k / sets.size(a));
    const float threshold_b = static_cast<float>(internal[b] + k / sets.size(b));
    if (cost < static_cast<double>(std::min(threshold_a, threshold_b))) {
      const int32_t root = sets.join(a, b);
      internal[root] = cost;
      max_internal = std::max(max_internal, cost);
    }
  }
  internal = {};

  // Pass 2: merge components smaller than min_size along the remaining edges in cost order,
  // until none is left.
  const int64_t min_size = options.min_size;
  BigVoxels big(voxels);
  auto mark_big = [&](int32_t member) {
    sets.for_each_member(member, [&](int32_t v) { big.set(v); });
  };
  int64_t small = 0;
  for (int64_t v = 0; v < voxels; ++v) {
    const auto root = static_cast<int32_t>(v);
    if (sets.find(root) != root) continue;
    if (sets.size(root) < min_size) {
      ++small;
    } else {
      mark_big(root);
    }
  }
  int64_t i = 0;
  for (; i < count && small > 0; ++i) {
    wait_for(i);
    const int32_t first = first_end(i);
    const int32_t second = other_end(i);
    if (big.test(first) && big.test(second)) continue;
    if (i + kPrefetchDistance < final_prefix) {
      sets.prefetch(first_end(i + kPrefetchDistance));
      sets.prefetch(other_end(i + kPrefetchDistance));
    }
    const int32_t a = sets.find(first);
    const int32_t b = sets.find(second);
    if (a == b) continue;
    const int64_t size_a = sets.size(a), size_b = sets.size(b);
    if (size_a < min_size || size_b < min_size) {
      small -= (size_a < min_size) + (size_b < min_size);
      small += (size_a + size_b < min_size);
      // Mark the members that become part of a big component, before the member lists are
      // spliced (only the small side's members are new to bigness).
      if (size_a + size_b >= min_size) {
        if (size_a < min_size) mark_big(a);
        if (size_b < min_size) mark_big(b);
      }
      sets.join(a, b);
    }
  }
  sorter.cancel();
  if (profile != nullptr) {
    profile->edges_used = i;
    profile->merge_waited_s = waited_s;
  }
  lap(&FelzenszwalbProfile::sort_merge_s);

  // Number components by their first voxel in C order.
  at::Tensor labels = torch::empty({depth, height, width}, torch::kInt32);
  int32_t* out = labels.data_ptr<int32_t>();
  std::vector<int32_t> label_of_root(static_cast<size_t>(voxels), -1);
  int32_t next = 0;
  for (int64_t v = 0; v < voxels; ++v) {
    const int32_t root = sets.find(static_cast<int32_t>(v));
    if (label_of_root[root] < 0) label_of_root[root] = next++;
    out[v] = label_of_root[root];
  }
  lap(&FelzenszwalbProfile::labels_s);
  return labels;
}

}  // namespace protoseg::supervoxel
