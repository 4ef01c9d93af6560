#pragma once

#include <cstdint>

#include <ATen/core/Tensor.h>

namespace protoseg::cluster {

/// Options of Lloyd's K-means with k-means++ seeding (Arthur and Vassilvitskii, SODA 2007).
struct KMeansOptions {
  int64_t clusters = 8;
  int64_t max_iterations = 300;
  /// Stops when no centre moves by more than `tolerance` (Euclidean, data units).
  double tolerance = 1e-6;
  /// Independent seedings; the one with the lowest inertia wins.
  int64_t restarts = 4;
  uint64_t seed = 42;
};

struct KMeansResult {
  at::Tensor centres;  ///< [K, D], dtype and device of the points
  at::Tensor labels;   ///< [N] int64, index of the nearest centre
  double inertia = 0;  ///< sum of squared distances to the nearest centre
  int64_t iterations = 0;
};

/// Clusters the rows of `points` [N, D] (N >= K) on their own device; only the seeding draws
/// (K per restart) visit the host. A centre that loses all its points stays where it was.
KMeansResult kmeans(const at::Tensor& points, const KMeansOptions& options);

}  // namespace protoseg::cluster
