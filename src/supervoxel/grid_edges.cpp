#include "protoseg/supervoxel/grid_edges.h"

#include <cmath>
#include <stdexcept>
#include <thread>
#include <vector>

namespace protoseg::supervoxel {
namespace {

struct Block {
  int64_t z0, z1, y0, y1, x0, x1;  // range of the first voxel of each edge
  int64_t count() const { return (z1 - z0) * (y1 - y0) * (x1 - x0); }
};

Block block_of(const GridDirection& d, int64_t depth, int64_t height, int64_t width) {
  return {d.dz > 0 ? 1 : 0, depth,
          d.dy > 0 ? 1 : 0, d.dy < 0 ? height - 1 : height,
          d.dx > 0 ? 1 : 0, d.dx < 0 ? width - 1 : width};
}

// One row of edges: voxels first..first+n-1 joined with the voxels `offset` before them.
// Written so the compiler vectorises it (sqrt is correctly rounded in SIMD too, so the costs
// are bit-identical); cloned for AVX2 where the CPU has it.
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
__attribute__((target_clones("avx2", "default")))
#endif
void fill_row(const double* __restrict image, int64_t first, int64_t n, int64_t offset, double w,
              uint32_t direction, double* __restrict cost, uint32_t* __restrict id) {
  for (int64_t x = 0; x < n; ++x) {
    const double diff = image[first + x] - image[first + x - offset];
    cost[x] = std::sqrt(w * (diff * diff));
    id[x] = static_cast<uint32_t>(first + x) << 4 | direction;
  }
}

}  // namespace

const std::array<GridDirection, 13>& grid_directions() {
  static const std::array<GridDirection, 13> directions{{{0, 1, 0},
                                                         {0, 1, 1},
                                                         {0, 0, 1},
                                                         {0, 1, -1},
                                                         {1, 1, 0},
                                                         {1, 1, 1},
                                                         {1, 0, 1},
                                                         {1, -1, 0},
                                                         {1, -1, -1},
                                                         {1, 0, -1},
                                                         {1, 1, -1},
                                                         {1, -1, 1},
                                                         {1, 0, 0}}};
  return directions;
}

double direction_weight(const GridDirection& d, double s) {
  const int in_plane = (d.dy != 0) + (d.dx != 0);
  if (d.dz == 0) return 1.0;
  if (in_plane == 0) return s * s;
  if (in_plane == 1) {
    const double w = std::sqrt(1.0 + s * s) / std::sqrt(2.0);
    return w * w;
  }
  const double w = std::sqrt(2.0 + s * s) / std::sqrt(3.0);
  return w * w;
}

std::array<int64_t, 13> direction_offsets(int64_t height, int64_t width) {
  std::array<int64_t, 13> offsets{};
  for (size_t i = 0; i < offsets.size(); ++i) {
    const auto& d = grid_directions()[i];
    offsets[i] = (d.dz * height + d.dy) * width + d.dx;
  }
  return offsets;
}

void build_grid_edges(const double* image, int64_t depth, int64_t height, int64_t width,
                      double z_over_xy_spacing, int threads, EdgeList& edges) {
  if (depth * height * width >= kMaxGraphVoxels) {
    throw std::invalid_argument("build_grid_edges: volume has 2^28 voxels or more");
  }
  const auto& directions = grid_directions();
  const auto offsets = direction_offsets(height, width);
  std::array<int64_t, 14> block_start{};
  for (size_t i = 0; i < directions.size(); ++i) {
    block_start[i + 1] = block_start[i] + block_of(directions[i], depth, height, width).count();
  }
  edges.resize(block_start[13]);

  // Work items: (direction, z) rows; each knows where its edges go, so threads write disjointly.
  auto fill = [&](int64_t item_begin, int64_t item_end) {
    for (int64_t item = item_begin; item < item_end; ++item) {
      const int64_t dir = item / depth;
      const int64_t z = item % depth;
      const GridDirection& d = directions[dir];
      const Block b = block_of(d, depth, height, width);
      if (z < b.z0 || z >= b.z1) continue;
      const double w = direction_weight(d, z_over_xy_spacing);
      const int64_t row = b.x1 - b.x0;
      const int64_t first_edge = block_start[dir] + (z - b.z0) * (b.y1 - b.y0) * row;
      double* cost = edges.costs() + first_edge;
      uint32_t* id = edges.ids() + first_edge;
      for (int64_t y = b.y0; y < b.y1; ++y) {
        fill_row(image, (z * height + y) * width + b.x0, row, offsets[dir], w,
                 static_cast<uint32_t>(dir), cost, id);
        cost += row;
        id += row;
      }
    }
  };
  const int64_t items = 13 * depth;
  const int workers = std::max(1, std::min<int>(threads, static_cast<int>(items)));
  std::vector<std::thread> pool;
  for (int t = 0; t < workers; ++t) {
    pool.emplace_back(fill, items * t / workers, items * (t + 1) / workers);
  }
  for (auto& thread : pool) thread.join();
}

}  // namespace protoseg::supervoxel
