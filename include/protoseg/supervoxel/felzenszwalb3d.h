#pragma once

#include <cstdint>

#include <ATen/core/Tensor.h>

#include "protoseg/supervoxel/edge_list.h"
#include "protoseg/supervoxel/huge_page_array.h"

namespace protoseg::supervoxel {

/// Options of the 3D Felzenszwalb-Huttenlocher graph segmentation (Felzenszwalb &
/// Huttenlocher, IJCV 2004) in ADNet's supervoxel form.
struct FelzenszwalbOptions {
  /// Observation scale k; divided by 255 internally as scikit-image and ADNet do.
  double scale = 1.0;
  /// Components smaller than this (in voxels) are merged along their cheapest edges.
  /// ADNet uses min_size = n_sv (5000 for ABD-MRI, 2000 for ABD-CT).
  int64_t min_size = 5000;
  /// Slice spacing divided by in-plane spacing (mm / mm); weights the through-plane edges.
  double z_over_xy_spacing = 1.0;
  /// Threads for edge costs and sorting; <= 0 uses LibTorch's intra-op thread count.
  int threads = 0;
};

/// The memory one felzenszwalb3d() call needs (about 60 bytes per voxel: the 13 edges per
/// voxel with their costs, the union-find forest, the numbering). Keep one across volumes so
/// that each volume reuses the pages of the last instead of faulting in fresh ones.
struct FelzenszwalbWorkspace {
  EdgeList edges;
  HugePageArray<int32_t> parents;
  HugePageArray<uint64_t> big_voxels;
  HugePageArray<double> internal;
  HugePageArray<int32_t> label_of_root;
};

/// Wall-clock seconds of each phase of one felzenszwalb3d() call.
struct FelzenszwalbProfile {
  double edges_s = 0;           ///< building the 13-direction edge list with costs
  double zero_merge_s = 0;      ///< joining voxels along zero-cost edges (beside the sort)
  double sort_merge_s = 0;      ///< sorting, overlapped with both merge passes
  double merge_waited_s = 0;    ///< part of sort_merge_s the merge passes waited for the sort
  double labels_s = 0;          ///< numbering the components
  int64_t edge_count = 0;       ///< edges in the graph
  int64_t zero_cost_edges = 0;  ///< edges of cost 0 (equal intensities)
  int64_t edges_used = 0;       ///< sorted edges pass 2 needed before no component was too small
};

/// Segments a [D,H,W] float64 CPU image (ADNet feeds intensities rescaled to [0, 255], no
/// smoothing) over the 13-direction 26-neighbourhood graph. Edges are sorted in NumPy's
/// quicksort order (see numpy_order_sort.h) and merged while
/// cost < min(Int(a) + k/|a|, Int(b) + k/|b|) (thresholds rounded to float32 as in ADNet), then
/// components below min_size are merged along the remaining edges in order. With k > 0 every
/// zero-cost edge merges whatever its place in that order, so those are joined straight from
/// the image grid while the rest is still being sorted.
/// Returns int32 [D,H,W] labels 0..n-1 numbered by first voxel in C order (z, y, x), which is
/// ADNet's numbering.
/// `profile`, when given, receives the time of each phase. `workspace`, when given, holds the
/// memory between calls.
at::Tensor felzenszwalb3d(const at::Tensor& image, const FelzenszwalbOptions& options,
                          FelzenszwalbProfile* profile = nullptr,
                          FelzenszwalbWorkspace* workspace = nullptr);

}  // namespace protoseg::supervoxel
