#include "protoseg/cluster/kmeans.h"

#include <random>

#include <torch/torch.h>

namespace protoseg::cluster {
namespace {

/// Index drawn with probability proportional to `weights` [N] (host, float64).
int64_t draw_index(const torch::Tensor& weights, std::mt19937_64& rng) {
  const torch::Tensor cumulative = weights.to(torch::kCPU, torch::kDouble).cumsum(0);
  const double total = cumulative[-1].item<double>();
  if (!(total > 0)) return 0;  // all points coincide with centres: any index will do
  const double target = std::uniform_real_distribution<double>(0.0, total)(rng);
  const int64_t index = torch::searchsorted(cumulative, torch::tensor({target}, torch::kDouble),
                                            /*out_int32=*/false, /*right=*/true)
                            .item<int64_t>();
  return std::min(index, weights.size(0) - 1);
}

torch::Tensor seed_centres(const torch::Tensor& x, int64_t k, std::mt19937_64& rng) {
  const int64_t n = x.size(0);
  std::vector<torch::Tensor> centres;
  centres.push_back(x[std::uniform_int_distribution<int64_t>(0, n - 1)(rng)]);
  torch::Tensor nearest = (x - centres[0]).pow(2).sum(1);
  for (int64_t c = 1; c < k; ++c) {
    centres.push_back(x[draw_index(nearest, rng)]);
    nearest = torch::minimum(nearest, (x - centres.back()).pow(2).sum(1));
  }
  return torch::stack(centres);
}

KMeansResult lloyd(const torch::Tensor& x, torch::Tensor centres, const KMeansOptions& options) {
  const int64_t k = centres.size(0);
  KMeansResult result;
  torch::Tensor labels;
  for (result.iterations = 1; result.iterations <= options.max_iterations; ++result.iterations) {
    labels = torch::cdist(x, centres).argmin(1);
    torch::Tensor sums = torch::zeros_like(centres).index_add_(0, labels, x);
    torch::Tensor counts =
        torch::zeros({k}, x.options()).index_add_(0, labels, torch::ones({x.size(0)}, x.options()));
    const torch::Tensor occupied = counts.gt(0).unsqueeze(1);
    const torch::Tensor updated =
        torch::where(occupied, sums / counts.clamp_min(1).unsqueeze(1), centres);
    const double shift = (updated - centres).norm(2, 1).max().item<double>();
    centres = updated;
    if (shift <= options.tolerance) break;
  }
  result.iterations = std::min(result.iterations, options.max_iterations);
  const torch::Tensor distances = torch::cdist(x, centres);
  const auto [nearest, labels_final] = distances.min(1);
  result.centres = centres;
  result.labels = labels_final;
  result.inertia = nearest.pow(2).sum().item<double>();
  return result;
}

}  // namespace

KMeansResult kmeans(const at::Tensor& points, const KMeansOptions& options) {
  TORCH_CHECK(points.dim() == 2, "kmeans expects points [N, D], got ", points.sizes());
  TORCH_CHECK(options.clusters >= 1 && points.size(0) >= options.clusters,
              "kmeans: ", options.clusters, " clusters need at least as many points, got ",
              points.size(0));
  TORCH_CHECK(options.restarts >= 1 && options.max_iterations >= 1,
              "kmeans: restarts and max_iterations must be positive");
  // Reduced-precision inputs are clustered in float32; float64 stays float64.
  const torch::Tensor x = points.detach().to(
      points.scalar_type() == torch::kFloat64 ? torch::kFloat64 : torch::kFloat32);
  TORCH_CHECK(torch::isfinite(x).all().item<bool>(), "kmeans: points contain NaN or Inf");
  std::mt19937_64 rng(options.seed);
  KMeansResult best;
  for (int64_t restart = 0; restart < options.restarts; ++restart) {
    KMeansResult result = lloyd(x, seed_centres(x, options.clusters, rng), options);
    if (restart == 0 || result.inertia < best.inertia) best = std::move(result);
  }
  best.centres = best.centres.to(points.scalar_type());
  return best;
}

}  // namespace protoseg::cluster
