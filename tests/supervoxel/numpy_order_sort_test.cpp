#include "protoseg/supervoxel/numpy_order_sort.h"

#include <algorithm>
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

// Costs with ids 0..n-1, sorted together.
struct Sortable {
  std::vector<double> costs;
  std::vector<uint32_t> ids;
  explicit Sortable(std::vector<double> values) : costs(std::move(values)), ids(costs.size()) {
    for (size_t i = 0; i < ids.size(); ++i) ids[i] = static_cast<uint32_t>(i);
  }
  void sort(int threads) {
    sort_like_numpy_quicksort(costs.data(), ids.data(), static_cast<int64_t>(costs.size()),
                              threads);
  }
};

TEST(NumpyOrderSortTest, ReproducesNumpyArgsortOrderWithTies) {
  const auto cases = load_cases();
  ASSERT_EQ(cases.size(), 5u);
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    for (bool simd : {true, false}) {
      use_simd_stopper_search(simd);
      for (int threads : {1, 2}) {
        Sortable sortable(c.costs);
        sortable.sort(threads);
        EXPECT_EQ(sortable.ids, c.order) << "threads " << threads << " simd " << simd;
      }
    }
    use_simd_stopper_search(true);
  }
}

TEST(NumpyOrderSortTest, ThreadCountDoesNotChangeTheOrder) {
  std::mt19937 rng(7);
  std::uniform_int_distribution<int> value(0, 50);
  std::vector<double> costs(3'000'000);
  for (auto& cost : costs) cost = value(rng);
  Sortable one(costs);
  Sortable two(costs);
  Sortable scalar(costs);
  one.sort(1);
  two.sort(2);
  use_simd_stopper_search(false);
  scalar.sort(2);
  use_simd_stopper_search(true);
  EXPECT_EQ(one.ids, two.ids);
  EXPECT_EQ(one.ids, scalar.ids);
  EXPECT_TRUE(std::is_sorted(one.costs.begin(), one.costs.end()));
}

}  // namespace
}  // namespace protoseg::supervoxel
