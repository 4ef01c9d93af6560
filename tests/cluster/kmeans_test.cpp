#include "protoseg/cluster/kmeans.h"

#include <set>

#include <gtest/gtest.h>
#include <torch/torch.h>

namespace protoseg::cluster {
namespace {

TEST(KMeansTest, RecoversSeparableClustersWhateverTheSeed) {
  torch::manual_seed(0);
  const torch::Tensor means = torch::tensor(
      {{0.0F, 0.0F, 0.0F}, {10.0F, 0.0F, 0.0F}, {0.0F, 10.0F, 0.0F}, {0.0F, 0.0F, 10.0F}});
  const torch::Tensor points =
      (means.repeat_interleave(50, 0) + 0.5 * torch::randn({200, 3})).contiguous();
  for (uint64_t seed : {1U, 2U, 3U}) {
    KMeansOptions options;
    options.clusters = 4;
    options.seed = seed;
    const KMeansResult result = kmeans(points, options);
    // Each true group maps to one cluster, and the four clusters differ.
    std::set<int64_t> used;
    for (int64_t group = 0; group < 4; ++group) {
      const torch::Tensor labels = result.labels.slice(0, group * 50, (group + 1) * 50);
      EXPECT_TRUE(torch::all(labels.eq(labels[0])).item<bool>()) << "seed " << seed;
      used.insert(labels[0].item<int64_t>());
      const torch::Tensor centre = result.centres[labels[0].item<int64_t>()];
      EXPECT_LT((centre - means[group]).norm().item<double>(), 0.3);
    }
    EXPECT_EQ(used.size(), 4U);
    EXPECT_NEAR(
        result.inertia,
        (points - result.centres.index_select(0, result.labels)).pow(2).sum().item<double>(), 1e-2);
  }
}

TEST(KMeansTest, SeededRunsRepeat) {
  torch::manual_seed(1);
  const torch::Tensor points = torch::randn({100, 5});
  KMeansOptions options;
  options.clusters = 6;
  const KMeansResult a = kmeans(points, options);
  const KMeansResult b = kmeans(points, options);
  EXPECT_TRUE(torch::equal(a.labels, b.labels));
  EXPECT_TRUE(torch::allclose(a.centres, b.centres));
}

TEST(KMeansTest, TooFewPointsIsAnError) {
  KMeansOptions options;
  options.clusters = 5;
  EXPECT_THROW(kmeans(torch::zeros({3, 2}), options), c10::Error);
}

}  // namespace
}  // namespace protoseg::cluster
