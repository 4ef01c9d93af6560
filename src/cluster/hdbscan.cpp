#include "protoseg/cluster/hdbscan.h"

#include <algorithm>
#include <functional>
#include <limits>

#include <torch/torch.h>

#include "protoseg/core/disjoint_sets.h"

namespace protoseg::cluster {
namespace {

/// The single-linkage hierarchy in R's hclust convention: merge step k joins `left[k]` and
/// `right[k]` (-(i+1) for point i, j+1 for the result of merge step j) at `height[k]`.
struct Hierarchy {
  std::vector<int64_t> left, right, size;
  std::vector<double> height;
};

/// Prim's algorithm on the dense mutual-reachability matrix, growing from point 0; each new
/// point is linked to its nearest point already in the tree.
std::vector<std::tuple<int64_t, int64_t, double>> minimum_spanning_tree(
    const std::vector<double>& reach, int64_t n) {
  std::vector<std::tuple<int64_t, int64_t, double>> edges;
  std::vector<bool> in_tree(static_cast<size_t>(n), false);
  std::vector<double> best(static_cast<size_t>(n), std::numeric_limits<double>::infinity());
  std::vector<int64_t> best_from(static_cast<size_t>(n), -1);
  int64_t current = 0;
  for (int64_t added = 0; added + 1 < n; ++added) {
    in_tree[static_cast<size_t>(current)] = true;
    double min_weight = std::numeric_limits<double>::infinity();
    int64_t next = -1;
    for (int64_t i = 0; i < n; ++i) {
      if (in_tree[static_cast<size_t>(i)]) continue;
      const double weight = reach[static_cast<size_t>(current * n + i)];
      if (weight < best[static_cast<size_t>(i)]) {
        best[static_cast<size_t>(i)] = weight;
        best_from[static_cast<size_t>(i)] = current;
      }
      if (next < 0 || best[static_cast<size_t>(i)] < min_weight) {
        min_weight = best[static_cast<size_t>(i)];
        next = i;
      }
    }
    edges.emplace_back(next, best_from[static_cast<size_t>(next)], min_weight);
    current = next;
  }
  return edges;
}

/// Merges the tree's edges in ascending weight (stable for ties) with a union-find.
Hierarchy single_linkage(std::vector<std::tuple<int64_t, int64_t, double>> edges, int64_t n) {
  std::stable_sort(edges.begin(), edges.end(),
                   [](const auto& a, const auto& b) { return std::get<2>(a) < std::get<2>(b); });
  std::vector<int32_t> parent(static_cast<size_t>(n));
  core::DisjointSets sets(parent.data(), n);
  // The hierarchy's label of each current set, kept at the set's root.
  std::vector<int64_t> label(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) label[static_cast<size_t>(i)] = -(i + 1);
  Hierarchy tree;
  for (size_t k = 0; k < edges.size(); ++k) {
    const auto [a, b, weight] = edges[k];
    const int32_t root_a = sets.find(static_cast<int32_t>(a));
    const int32_t root_b = sets.find(static_cast<int32_t>(b));
    tree.left.push_back(label[static_cast<size_t>(root_a)]);
    tree.right.push_back(label[static_cast<size_t>(root_b)]);
    tree.height.push_back(weight);
    tree.size.push_back(sets.size(root_a) + sets.size(root_b));
    const int32_t root = sets.join(root_a, root_b);
    label[static_cast<size_t>(root)] = static_cast<int64_t>(k) + 1;
  }
  return tree;
}

/// One node of the condensed cluster tree.
struct CondensedCluster {
  std::vector<int64_t> points;       // points that leave the hierarchy while in this cluster
  std::vector<double> point_height;  // height at which each of them leaves
  double birth = 0, death = 0;
  bool split = false;
  int64_t split_size = 0;  // points in the two child clusters
  int64_t children[2] = {-1, -1};

  /// Excess of mass in lambda = 1 / height.
  double stability() const {
    double sum = 0;
    for (double height : point_height) sum += 1.0 / height - 1.0 / birth;
    return sum + static_cast<double>(split_size) * (1.0 / death - 1.0 / birth);
  }
};

/// Walks the hierarchy from the top: a merge whose sides both hold min_points points ends its
/// cluster and starts two; otherwise both sides stay in the cluster, and single points leave it
/// at the height where they join (or at the cluster's death once it has split).
std::vector<CondensedCluster> condense(const Hierarchy& tree, int64_t min_points) {
  const auto merges = static_cast<int64_t>(tree.height.size());
  std::vector<CondensedCluster> clusters(1);
  clusters[0].birth = tree.height.back();
  std::vector<int64_t> owner(static_cast<size_t>(merges), 0);
  auto leave = [&](CondensedCluster& cluster, int64_t point, double height) {
    cluster.points.push_back(point);
    cluster.point_height.push_back(cluster.split ? cluster.death : height);
  };
  for (int64_t k = merges - 1; k >= 0; --k) {
    const int64_t id = owner[static_cast<size_t>(k)];
    const int64_t a = tree.left[static_cast<size_t>(k)], b = tree.right[static_cast<size_t>(k)];
    const double height = tree.height[static_cast<size_t>(k)];
    if (a < 0 && b < 0) {
      CondensedCluster& cluster = clusters[static_cast<size_t>(id)];
      leave(cluster, -a - 1, height);
      leave(cluster, -b - 1, height);
      if (!cluster.split) cluster.death = std::min(height, cluster.death);
    } else if (a < 0 || b < 0) {
      leave(clusters[static_cast<size_t>(id)], a < 0 ? -a - 1 : -b - 1, height);
      owner[static_cast<size_t>((a < 0 ? b : a) - 1)] = id;
    } else {
      const int64_t size_a = tree.size[static_cast<size_t>(a - 1)];
      const int64_t size_b = tree.size[static_cast<size_t>(b - 1)];
      if (size_a >= min_points && size_b >= min_points) {
        const auto first = static_cast<int64_t>(clusters.size());
        for (const int64_t side : {a, b}) {
          CondensedCluster child;
          child.birth = height;
          child.death = tree.height[static_cast<size_t>(side - 1)];
          owner[static_cast<size_t>(side - 1)] = static_cast<int64_t>(clusters.size());
          clusters.push_back(std::move(child));
        }
        CondensedCluster& cluster = clusters[static_cast<size_t>(id)];
        cluster.death = height;
        cluster.split = true;
        cluster.split_size = size_a + size_b;
        cluster.children[0] = first;
        cluster.children[1] = first + 1;
      } else {
        owner[static_cast<size_t>(a - 1)] = id;
        owner[static_cast<size_t>(b - 1)] = id;
      }
    }
  }
  return clusters;
}

/// Excess-of-mass selection: a cluster replaces its selected descendants when its own
/// stability is at least their summed score; the root is never selected.
double select_clusters(const std::vector<CondensedCluster>& clusters, int64_t id,
                       std::vector<bool>& selected) {
  const CondensedCluster& cluster = clusters[static_cast<size_t>(id)];
  if (cluster.children[0] < 0) {
    selected[static_cast<size_t>(id)] = true;
    return cluster.stability();
  }
  const double children = select_clusters(clusters, cluster.children[0], selected) +
                          select_clusters(clusters, cluster.children[1], selected);
  const double own = cluster.stability();
  if (own < children) return children;
  if (id != 0) {
    std::function<void(int64_t)> unselect = [&](int64_t node) {
      selected[static_cast<size_t>(node)] = false;
      for (const int64_t child : clusters[static_cast<size_t>(node)].children) {
        if (child >= 0) unselect(child);
      }
    };
    unselect(id);
    selected[static_cast<size_t>(id)] = true;
  }
  return own;
}

}  // namespace

HdbscanResult hdbscan(const at::Tensor& points, const HdbscanOptions& options) {
  TORCH_CHECK(points.dim() == 2, "hdbscan expects points [N, D], got ", points.sizes());
  const int64_t n = points.size(0);
  TORCH_CHECK(options.min_points >= 2, "hdbscan needs min_points >= 2, got ", options.min_points);
  TORCH_CHECK(n >= options.min_points, "hdbscan needs at least min_points = ", options.min_points,
              " points, got ", n);
  const torch::Tensor x = points.detach().to(torch::kCPU, torch::kDouble).contiguous();
  TORCH_CHECK(torch::isfinite(x).all().item<bool>(), "hdbscan: points contain NaN or Inf");
  const torch::Tensor distances = torch::cdist(x, x).contiguous();
  std::vector<double> distance(distances.data_ptr<double>(), distances.data_ptr<double>() + n * n);

  HdbscanResult result;
  result.core_distances.resize(static_cast<size_t>(n));
  std::vector<double> row;
  for (int64_t i = 0; i < n; ++i) {
    row.assign(distance.begin() + i * n, distance.begin() + (i + 1) * n);
    row.erase(row.begin() + i);  // the point itself
    std::nth_element(row.begin(), row.begin() + (options.min_points - 2), row.end());
    result.core_distances[static_cast<size_t>(i)] =
        row[static_cast<size_t>(options.min_points - 2)];
  }
  std::vector<double> reach(distance.size());
  for (int64_t i = 0; i < n; ++i) {
    for (int64_t j = 0; j < n; ++j) {
      reach[static_cast<size_t>(i * n + j)] = std::max(
          {distance[static_cast<size_t>(i * n + j)], result.core_distances[static_cast<size_t>(i)],
           result.core_distances[static_cast<size_t>(j)]});
    }
  }

  const Hierarchy tree = single_linkage(minimum_spanning_tree(reach, n), n);
  const std::vector<CondensedCluster> clusters = condense(tree, options.min_points);
  std::vector<bool> selected(clusters.size(), false);
  select_clusters(clusters, 0, selected);

  std::vector<int64_t> cluster_of(static_cast<size_t>(n), -1);
  std::function<void(int64_t, int64_t)> assign = [&](int64_t node, int64_t label) {
    for (const int64_t point : clusters[static_cast<size_t>(node)].points) {
      cluster_of[static_cast<size_t>(point)] = label;
    }
    for (const int64_t child : clusters[static_cast<size_t>(node)].children) {
      if (child >= 0) assign(child, label);
    }
  };
  for (size_t id = 1; id < clusters.size(); ++id) {
    if (selected[id]) assign(static_cast<int64_t>(id), static_cast<int64_t>(id));
  }
  // Number clusters 1..K by their first member.
  result.labels.assign(static_cast<size_t>(n), 0);
  std::vector<int64_t> number(clusters.size(), 0);
  for (int64_t i = 0; i < n; ++i) {
    const int64_t id = cluster_of[static_cast<size_t>(i)];
    if (id < 0) continue;
    if (number[static_cast<size_t>(id)] == 0)
      number[static_cast<size_t>(id)] = ++result.cluster_count;
    result.labels[static_cast<size_t>(i)] = number[static_cast<size_t>(id)];
  }
  return result;
}

}  // namespace protoseg::cluster
