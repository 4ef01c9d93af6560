#pragma once

#include <cstdint>
#include <vector>

#include <ATen/core/Tensor.h>

namespace protoseg::cluster {

/// Options of HDBSCAN (Campello, Moulavi and Sander, PAKDD 2013), with the semantics of R's
/// `dbscan::hdbscan(x, minPts)`: one `min_points` is both the smallest cluster and the
/// neighbourhood size of the core distance.
struct HdbscanOptions {
  /// Smallest cluster size, and the core distance is the distance to the (min_points - 1)-th
  /// nearest other point. At least 2.
  int64_t min_points = 3;
};

/// A flat HDBSCAN clustering.
struct HdbscanResult {
  /// One label per point: 0 is noise, clusters are 1..cluster_count in the order of their
  /// first member.
  std::vector<int64_t> labels;
  int64_t cluster_count = 0;
  /// Core distance of each point (Euclidean, same units as the data).
  std::vector<double> core_distances;
};

/// Clusters the rows of `points` [N, D] (any floating type, any device; computed in float64
/// on the host, O(N^2) memory):
/// 1. core distances; 2. mutual reachability max(core_i, core_j, d_ij); 3. its minimum
/// spanning tree (Prim); 4. the single-linkage hierarchy of the tree's edges in ascending
/// order; 5. the condensed cluster tree: a split whose two sides both hold at least
/// `min_points` points creates two clusters, any other split keeps the cluster; 6. stabilities
/// and excess-of-mass selection (the root is never selected). Points outside the selected
/// clusters are noise (label 0); a hierarchy that never splits yields only noise, as in R.
HdbscanResult hdbscan(const at::Tensor& points, const HdbscanOptions& options = {});

}  // namespace protoseg::cluster
