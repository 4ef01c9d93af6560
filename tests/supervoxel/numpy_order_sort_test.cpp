#include "protoseg/supervoxel/numpy_order_sort.h"

#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "test_paths.h"

namespace protoseg::supervoxel {
namespace {

struct Case {
  std::string name;
  std::vector<double> costs;
  std::vector<uint32_t> order;
};

// Cases written by tests/fixtures/make_numpy_argsort_fixture.py with NumPy 1.24.2.
std::vector<Case> load_cases() {
  std::ifstream in(testing::source_path("tests/fixtures/numpy_argsort_ties.txt"));
  if (!in) throw std::runtime_error("fixture numpy_argsort_ties.txt missing");
  std::vector<Case> cases;
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    Case c;
    size_t n = 0;
    std::istringstream(line) >> c.name >> n;
    std::getline(in, line);
    std::istringstream costs(line);
    c.costs.resize(n);
    for (auto& cost : c.costs) costs >> cost;
    std::getline(in, line);
    std::istringstream order(line);
    c.order.resize(n);
    for (auto& index : c.order) order >> index;
    cases.push_back(std::move(c));
  }
  return cases;
}

std::vector<WeightedEdge> as_edges(const std::vector<double>& costs) {
  std::vector<WeightedEdge> edges;
  for (size_t i = 0; i < costs.size(); ++i)
    edges.push_back(WeightedEdge::make(costs[i], static_cast<uint32_t>(i), 0));
  return edges;
}

TEST(NumpyOrderSortTest, ReproducesNumpyArgsortOrderWithTies) {
  const auto cases = load_cases();
  ASSERT_EQ(cases.size(), 5u);
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    for (int threads : {1, 2}) {
      auto edges = as_edges(c.costs);
      sort_like_numpy_quicksort(edges.data(), static_cast<int64_t>(edges.size()), threads);
      std::vector<uint32_t> order;
      for (const auto& e : edges) order.push_back(e.voxel());
      EXPECT_EQ(order, c.order) << "threads " << threads;
    }
  }
}

TEST(NumpyOrderSortTest, ThreadCountDoesNotChangeTheOrder) {
  std::mt19937 rng(7);
  std::uniform_int_distribution<int> value(0, 50);
  std::vector<double> costs(3'000'000);
  for (auto& cost : costs) cost = value(rng);
  auto one = as_edges(costs);
  auto two = as_edges(costs);
  sort_like_numpy_quicksort(one.data(), static_cast<int64_t>(one.size()), 1);
  sort_like_numpy_quicksort(two.data(), static_cast<int64_t>(two.size()), 2);
  for (size_t i = 0; i < one.size(); ++i) {
    ASSERT_EQ(one[i].voxel(), two[i].voxel()) << "at " << i;
    if (i > 0) ASSERT_LE(double{one[i - 1].cost}, double{one[i].cost});
  }
}

}  // namespace
}  // namespace protoseg::supervoxel
