#include "protoseg/supervoxel/felzenszwalb3d.h"

#include <algorithm>
#include <chrono>
#include <cstring>

#include <ATen/Parallel.h>
#include <torch/torch.h>

#include "protoseg/core/disjoint_sets.h"
#include "protoseg/supervoxel/grid_edges.h"
#include "protoseg/supervoxel/numpy_order_sort.h"

namespace protoseg::supervoxel {
namespace {

// One bit per voxel, set once the voxel's component is known to have reached min_size (set
// lazily, when an edge of the voxel is looked at). An edge between two such voxels can never
// merge in pass 2, and the bits (1 MB for 8 M voxels) stay in cache where the union-find
// forest does not.
class BigVoxels {
 public:
  BigVoxels(uint64_t* bits, int64_t n) : bits_(bits) {
    std::memset(bits_, 0, static_cast<size_t>((n + 63) / 64) * sizeof(uint64_t));
  }
  bool test(int64_t v) const { return (bits_[v >> 6] >> (v & 63)) & 1u; }
  void set(int64_t v) { bits_[v >> 6] |= uint64_t{1} << (v & 63); }

 private:
  uint64_t* bits_;
};

constexpr int kPrefetchDistance = 16;

// Joins the two voxels of every edge of cost 0, the cost tested exactly as build_grid_edges()
// computes it (sqrt(w * d^2) == 0 iff w * d^2 == 0), in raster order: every direction points
// from a voxel back to an earlier one. Returns the number of such edges.
int64_t join_zero_cost_edges(const double* image, int64_t depth, int64_t height, int64_t width,
                             double z_over_xy_spacing, core::DisjointSets& sets) {
  const auto& directions = grid_directions();
  const auto offsets = direction_offsets(height, width);
  std::array<double, 13> weights{};
  for (size_t i = 0; i < directions.size(); ++i) {
    weights[i] = direction_weight(directions[i], z_over_xy_spacing);
  }
  int64_t joined = 0;
  for (int64_t z = 0; z < depth; ++z) {
    for (int64_t y = 0; y < height; ++y) {
      const int64_t row = (z * height + y) * width;
      for (size_t i = 0; i < directions.size(); ++i) {
        const GridDirection& d = directions[i];
        if ((d.dz > 0 && z == 0) || (d.dy > 0 && y == 0) || (d.dy < 0 && y == height - 1)) {
          continue;
        }
        const int64_t x0 = d.dx > 0 ? 1 : 0;
        const int64_t x1 = d.dx < 0 ? width - 1 : width;
        const double w = weights[i];
        const int64_t offset = offsets[i];
        for (int64_t x = x0; x < x1; ++x) {
          const int64_t v = row + x;
          const double diff = image[v] - image[v - offset];
          if (w * (diff * diff) == 0.0) {
            ++joined;
            sets.unite(static_cast<int32_t>(v), static_cast<int32_t>(v - offset));
          }
        }
      }
    }
  }
  return joined;
}

}  // namespace

at::Tensor felzenszwalb3d(const at::Tensor& image, const FelzenszwalbOptions& options,
                          FelzenszwalbProfile* profile, FelzenszwalbWorkspace* workspace) {
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
  const double* pixels = input.data_ptr<double>();
  const int64_t depth = input.size(0), height = input.size(1), width = input.size(2);
  const int64_t voxels = input.numel();
  const int threads = options.threads > 0 ? options.threads : at::get_num_threads();

  FelzenszwalbWorkspace local;
  FelzenszwalbWorkspace& memory = workspace != nullptr ? *workspace : local;
  EdgeList& edges = memory.edges;
  build_grid_edges(pixels, depth, height, width, options.z_over_xy_spacing, threads, edges);
  if (profile != nullptr) profile->edge_count = edges.size();
  lap(&FelzenszwalbProfile::edges_s);

  // The merge passes walk the sorted edges while background threads are still sorting the
  // rest (leftmost first); pass 2 usually finishes well before the end, and the sort stops there.
  // With k > 0 every zero-cost edge merges in pass 1 whatever its position (its threshold is
  // positive), so their order among themselves is free and they are joined from the grid
  // instead, while the sort runs.
  const double k = options.scale / 255.0;
  const bool zeros_from_grid = k > 0;
  NumpyOrderSorter sorter(edges.costs(), edges.ids(), edges.size(), threads,
                          zeros_from_grid ? std::optional<double>(0.0) : std::nullopt);
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

  memory.parents.resize(voxels);
  core::DisjointSets sets(memory.parents.data(), voxels);
  // Pass 1: greedy merging with the adaptive threshold Int(C) + k/|C|. Zero-cost edges come
  // first in the sorted order; Int stays 0 while they merge.
  int64_t first_positive = 0;
  if (zeros_from_grid) {
    first_positive =
        join_zero_cost_edges(pixels, depth, height, width, options.z_over_xy_spacing, sets);
  }
  const double zero_merge_s = std::chrono::duration<double>(Clock::now() - tick).count();
  // No component's threshold can exceed max Int + k: once an edge costs more, every later
  // one fails too. With integer-valued scans that is usually the first positive edge.
  double max_internal = 0.0;
  auto beyond_every_threshold = [&](double cost) {
    return cost > (max_internal + k) * (1.0 + 1e-6);
  };
  if (first_positive < count) wait_for(first_positive);
  if (first_positive < count && !beyond_every_threshold(costs[first_positive])) {
    memory.internal.resize(voxels);
    double* internal = memory.internal.data();
    std::fill(internal, internal + voxels, 0.0);
    for (int64_t i = first_positive; i < count; ++i) {
      wait_for(i);
      const double cost = costs[i];
      if (beyond_every_threshold(cost)) break;
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
  }

  // Pass 2: merge components smaller than min_size along the remaining edges in cost order,
  // until none is left. Zero-cost edges lie inside components by now.
  const int64_t min_size = options.min_size;
  memory.big_voxels.resize((voxels + 63) / 64);
  BigVoxels big(memory.big_voxels.data(), voxels);
  int64_t small = 0;
  for (int64_t v = 0; v < voxels; ++v) {
    const auto x = static_cast<int32_t>(v);
    small += sets.is_root(x) && sets.size(x) < min_size;
  }
  int64_t i = first_positive;
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
    const int64_t size_a = sets.size(a), size_b = sets.size(b);
    if (size_a >= min_size) big.set(first);
    if (size_b >= min_size) big.set(second);
    if (a == b || (size_a >= min_size && size_b >= min_size)) continue;
    small -= (size_a < min_size) + (size_b < min_size);
    small += (size_a + size_b < min_size);
    sets.join(a, b);
  }
  sorter.cancel();
  if (profile != nullptr) {
    profile->edges_used = i;
    profile->merge_waited_s = waited_s;
    profile->zero_merge_s = zero_merge_s;
    profile->zero_cost_edges = first_positive;
  }
  lap(&FelzenszwalbProfile::sort_merge_s);

  // Number components by their first voxel in C order.
  at::Tensor labels = torch::empty({depth, height, width}, torch::kInt32);
  int32_t* out = labels.data_ptr<int32_t>();
  memory.label_of_root.resize(voxels);
  int32_t* label_of_root = memory.label_of_root.data();
  std::fill(label_of_root, label_of_root + voxels, -1);
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
