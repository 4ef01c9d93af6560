#include "protoseg/supervoxel/felzenszwalb3d.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include "protoseg/supervoxel/grid_edges.h"

namespace protoseg::supervoxel {
namespace {

TEST(GridEdgesTest, ThirteenDirectionsWithAnisotropicWeights) {
  const double s = 7.7 / 1.25;
  EXPECT_DOUBLE_EQ(direction_weight({0, 1, 1}, s), 1.0);
  EXPECT_DOUBLE_EQ(direction_weight({1, 0, 0}, s), s * s);
  EXPECT_NEAR(direction_weight({1, 1, 0}, s), (1 + s * s) / 2, 1e-12);
  EXPECT_NEAR(direction_weight({1, -1, 1}, s), (2 + s * s) / 3, 1e-12);
  // Edge count of a D x H x W grid: 13 directions minus the borders they cross.
  const auto image = torch::zeros({3, 4, 5}, torch::kFloat64);
  EdgeList edges;
  build_grid_edges(image.data_ptr<double>(), 3, 4, 5, 1.0, 2, edges);
  const int64_t in_plane = 3 * (3 * 5 + 3 * 4 + 4 * 4 + 3 * 4);
  const int64_t through =
      2 * (3 * 5 + 3 * 4 + 4 * 4 + 3 * 5 + 3 * 4 + 4 * 4 + 3 * 4 + 3 * 4 + 4 * 5);
  EXPECT_EQ(static_cast<int64_t>(edges.size()), in_plane + through);
}

TEST(Felzenszwalb3dTest, RecoversAKnownPartition) {
  // Two constant blocks split along x, plus a bright cube inside the right block.
  auto image = torch::full({6, 10, 12}, 40.0, torch::kFloat64);
  image.slice(2, 6).fill_(200.0);
  image.slice(0, 2, 4).slice(1, 3, 6).slice(2, 8, 11).fill_(120.0);
  FelzenszwalbOptions options;
  options.min_size = 10;
  const auto labels = felzenszwalb3d(image, options);
  ASSERT_EQ(labels.scalar_type(), torch::kInt32);
  auto expected = torch::zeros({6, 10, 12}, torch::kInt32);
  expected.slice(2, 6).fill_(1);
  expected.slice(0, 2, 4).slice(1, 3, 6).slice(2, 8, 11).fill_(2);
  EXPECT_TRUE(torch::equal(labels, expected));
}

TEST(Felzenszwalb3dTest, SmallComponentsAreMergedUpToMinSize) {
  torch::manual_seed(3);
  const auto image = torch::randint(0, 256, {8, 24, 24}, torch::kFloat64);
  for (int64_t min_size : {20, 150}) {
    FelzenszwalbOptions options;
    options.min_size = min_size;
    options.z_over_xy_spacing = 3.0;
    const auto labels = felzenszwalb3d(image, options);
    const auto counts = torch::bincount(labels.flatten().to(torch::kLong));
    EXPECT_GE(counts.min().item<int64_t>(), min_size);
    EXPECT_GT(counts.numel(), 1);
    // Labels are numbered by first voxel in C order.
    const auto flat = labels.flatten();
    int32_t highest = -1;
    for (int64_t i = 0; i < flat.numel(); ++i) {
      const int32_t label = flat[i].item<int32_t>();
      ASSERT_LE(label, highest + 1);
      highest = std::max(highest, label);
    }
  }
}

TEST(Felzenszwalb3dTest, DeterministicAcrossRunsAndThreadCounts) {
  torch::manual_seed(5);
  const auto image = torch::randint(0, 20, {10, 64, 64}, torch::kFloat64);
  FelzenszwalbOptions options;
  options.min_size = 200;
  options.threads = 1;
  const auto first = felzenszwalb3d(image, options);
  const auto again = felzenszwalb3d(image, options);
  options.threads = 2;
  const auto threaded = felzenszwalb3d(image, options);
  // A reused workspace, first larger then smaller than needed, changes nothing either.
  FelzenszwalbWorkspace workspace;
  workspace.edges.resize(50'000'000 / 12);
  const auto reused = felzenszwalb3d(image, options, nullptr, &workspace);
  const auto reused_again = felzenszwalb3d(image, options, nullptr, &workspace);
  EXPECT_TRUE(torch::equal(first, reused));
  EXPECT_TRUE(torch::equal(first, reused_again));
  EXPECT_TRUE(torch::equal(first, again));
  EXPECT_TRUE(torch::equal(first, threaded));
}

TEST(Felzenszwalb3dTest, RejectsBadInput) {
  FelzenszwalbOptions options;
  EXPECT_THROW(felzenszwalb3d(torch::zeros({4, 4}, torch::kFloat64), options), c10::Error);
  options.min_size = 0;
  EXPECT_THROW(felzenszwalb3d(torch::zeros({2, 4, 4}, torch::kFloat64), options), c10::Error);
}

}  // namespace
}  // namespace protoseg::supervoxel
