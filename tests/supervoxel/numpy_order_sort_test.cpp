#include "protoseg/supervoxel/numpy_order_sort.h"

#include <algorithm>
#include <fstream>
#include <random>
#include <sstream>
#include <stdexcept>
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

// The stopper searches this CPU has, narrowest first; the widest is selected again on exit.
std::vector<StopperSearch> available_searches() {
  std::vector<StopperSearch> levels;
  for (auto wanted : {StopperSearch::kScalar, StopperSearch::kAvx2, StopperSearch::kAvx512}) {
    const StopperSearch got = use_stopper_search(wanted);
    if (levels.empty() || levels.back() != got) levels.push_back(got);
  }
  return levels;
}

int level_number(StopperSearch level) { return static_cast<int>(level); }

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
    for (StopperSearch level : available_searches()) {
      use_stopper_search(level);
      for (int threads : {1, 2}) {
        Sortable sortable(c.costs);
        sortable.sort(threads);
        EXPECT_EQ(sortable.ids, c.order)
            << "threads " << threads << " search " << level_number(level);
      }
    }
    use_stopper_search(StopperSearch::kAvx512);
  }
}

// NumPy's introsort argsort written plainly (index array, scalar Hoare loop), the model the
// optimised sort must agree with element for element.
std::vector<uint32_t> plain_numpy_argsort(const std::vector<double>& v) {
  const int64_t n = static_cast<int64_t>(v.size());
  std::vector<uint32_t> index(v.size());
  for (size_t i = 0; i < index.size(); ++i) index[i] = static_cast<uint32_t>(i);
  auto less = [&](uint32_t a, uint32_t b) { return v[a] < v[b]; };
  struct Pending {
    int64_t pl, pr;
    int depth;
  };
  int depth = 0;
  for (int64_t m = n; m >>= 1;) ++depth;
  depth *= 2;
  std::vector<Pending> stack;
  int64_t pl = 0, pr = n - 1;
  for (;;) {
    if (depth < 0) throw std::runtime_error("heapsort path not modelled");
    while (pr - pl > 15) {
      const int64_t pm = pl + ((pr - pl) >> 1);
      if (less(index[pm], index[pl])) std::swap(index[pm], index[pl]);
      if (less(index[pr], index[pm])) std::swap(index[pr], index[pm]);
      if (less(index[pm], index[pl])) std::swap(index[pm], index[pl]);
      const double pivot = v[index[pm]];
      int64_t pi = pl, pj = pr - 1;
      std::swap(index[pm], index[pj]);
      for (;;) {
        do ++pi;
        while (v[index[pi]] < pivot);
        do --pj;
        while (pivot < v[index[pj]]);
        if (pi >= pj) break;
        std::swap(index[pi], index[pj]);
      }
      std::swap(index[pi], index[pr - 1]);
      if (pi - pl < pr - pi) {
        stack.push_back({pi + 1, pr, --depth});
        pr = pi - 1;
      } else {
        stack.push_back({pl, pi - 1, --depth});
        pl = pi + 1;
      }
    }
    for (int64_t pi = pl + 1; pi <= pr; ++pi) {
      const uint32_t value = index[pi];
      int64_t pj = pi;
      while (pj > pl && less(value, index[pj - 1])) {
        index[pj] = index[pj - 1];
        --pj;
      }
      index[pj] = value;
    }
    if (stack.empty()) break;
    pl = stack.back().pl;
    pr = stack.back().pr;
    depth = stack.back().depth;
    stack.pop_back();
  }
  return index;
}

TEST(NumpyOrderSortTest, AgreesWithPlainNumpyLoopOnRandomArraysWithTies) {
  std::mt19937 rng(2021);
  for (StopperSearch level : available_searches()) {
    use_stopper_search(level);
    for (int trial = 0; trial < 3000; ++trial) {
      const int n = 16 + static_cast<int>(rng() % (trial % 3 == 0 ? 3000 : 600));
      const int distinct = 1 + static_cast<int>(rng() % (trial % 2 ? 5 : 100000));
      std::vector<double> costs(static_cast<size_t>(n));
      for (auto& cost : costs) cost = static_cast<double>(rng() % distinct);
      Sortable sortable(costs);
      sortable.sort(1);
      ASSERT_EQ(sortable.ids, plain_numpy_argsort(costs))
          << "trial " << trial << " n " << n << " distinct " << distinct << " search "
          << level_number(level);
    }
  }
  use_stopper_search(StopperSearch::kAvx512);
}

TEST(NumpyOrderSortTest, ThreadCountDoesNotChangeTheOrder) {
  std::mt19937 rng(7);
  std::uniform_int_distribution<int> value(0, 50);
  std::vector<double> costs(3'000'000);
  for (auto& cost : costs) cost = value(rng);
  Sortable one(costs);
  one.sort(1);
  for (StopperSearch level : available_searches()) {
    use_stopper_search(level);
    Sortable two(costs);
    two.sort(2);
    EXPECT_EQ(one.ids, two.ids) << "search " << level_number(level);
  }
  use_stopper_search(StopperSearch::kAvx512);
  EXPECT_TRUE(std::is_sorted(one.costs.begin(), one.costs.end()));
}

}  // namespace
}  // namespace protoseg::supervoxel
