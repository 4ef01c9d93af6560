#include "protoseg/cluster/hdbscan.h"

#include <fstream>
#include <map>

#include <gtest/gtest.h>
#include <torch/torch.h>

#include "test_paths.h"

namespace protoseg::cluster {
namespace {

struct Fixture {
  torch::Tensor points;
  std::vector<int64_t> labels;
  int64_t min_points = 0;
};

/// Reads a fixture written by tests/fixtures/make_hdbscan_fixtures.R.
Fixture read_fixture(const std::string& name) {
  std::ifstream in(testing::source_path("tests/fixtures/" + name));
  EXPECT_TRUE(in.good()) << name;
  int64_t n = 0, d = 0;
  Fixture fixture;
  in >> n >> d >> fixture.min_points;
  fixture.points = torch::empty({n, d}, torch::kDouble);
  auto access = fixture.points.accessor<double, 2>();
  for (int64_t i = 0; i < n; ++i) {
    int64_t label = 0;
    in >> label;
    fixture.labels.push_back(label);
    for (int64_t j = 0; j < d; ++j) in >> access[i][j];
  }
  return fixture;
}

/// True when the labelings are the same partition: noise (0) matches noise, and clusters map
/// one-to-one.
bool same_partition(const std::vector<int64_t>& a, const std::vector<int64_t>& b) {
  if (a.size() != b.size()) return false;
  std::map<int64_t, int64_t> forward, backward;
  for (size_t i = 0; i < a.size(); ++i) {
    if ((a[i] == 0) != (b[i] == 0)) return false;
    if (forward.emplace(a[i], b[i]).first->second != b[i]) return false;
    if (backward.emplace(b[i], a[i]).first->second != a[i]) return false;
  }
  return true;
}

class HdbscanAgainstR : public ::testing::TestWithParam<std::string> {};

TEST_P(HdbscanAgainstR, SamePartitionAsDbscanPackage) {
  const Fixture fixture = read_fixture(GetParam());
  const HdbscanResult result = hdbscan(fixture.points, {fixture.min_points});
  EXPECT_TRUE(same_partition(result.labels, fixture.labels));
  const int64_t r_clusters = *std::max_element(fixture.labels.begin(), fixture.labels.end());
  EXPECT_EQ(result.cluster_count, r_clusters);
}

INSTANTIATE_TEST_SUITE_P(Fixtures, HdbscanAgainstR,
                         ::testing::Values("hdbscan_blobs_2d.txt", "hdbscan_features_8d.txt",
                                           "hdbscan_nested_2d.txt"));

TEST(HdbscanTest, CoreDistanceIsTheNearestOthersDistance) {
  // Points 0, 1, 3, 10 on a line; min_points 3: the 2nd nearest other point.
  const torch::Tensor points = torch::tensor({0.0, 1.0, 3.0, 10.0}).view({4, 1});
  const HdbscanResult result = hdbscan(points, {3});
  EXPECT_EQ(result.core_distances, (std::vector<double>{3.0, 2.0, 3.0, 9.0}));
}

TEST(HdbscanTest, TwoSeparatedGroupsAndAnOutlier) {
  torch::manual_seed(0);
  const torch::Tensor a = torch::randn({20, 2}) * 0.1;
  const torch::Tensor b = torch::randn({20, 2}) * 0.1 + 5.0;
  const torch::Tensor outlier = torch::tensor({{20.0F, -20.0F}});
  const HdbscanResult result = hdbscan(torch::cat({a, b, outlier}), {5});
  ASSERT_EQ(result.cluster_count, 2);
  for (int64_t i = 0; i < 20; ++i) {
    EXPECT_EQ(result.labels[static_cast<size_t>(i)], 1);
    EXPECT_EQ(result.labels[static_cast<size_t>(20 + i)], 2);
  }
  EXPECT_EQ(result.labels[40], 0);
}

TEST(HdbscanTest, BadInputIsRejected) {
  EXPECT_THROW(hdbscan(torch::zeros({5}), {3}), c10::Error);
  EXPECT_THROW(hdbscan(torch::zeros({2, 2}), {3}), c10::Error);
  EXPECT_THROW(hdbscan(torch::zeros({5, 2}), {1}), c10::Error);
  torch::Tensor nan_points = torch::zeros({5, 2});
  nan_points[0][0] = std::nan("");
  EXPECT_THROW(hdbscan(nan_points, {3}), c10::Error);
}

}  // namespace
}  // namespace protoseg::cluster
