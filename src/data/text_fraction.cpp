#include "protoseg/data/text_fraction.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <random>
#include <stdexcept>
#include <string>

namespace protoseg::data {

std::vector<int64_t> paired_subset(int64_t count, double fraction, uint64_t seed) {
  if (!(fraction >= 0.0 && fraction <= 1.0)) {
    throw std::invalid_argument("text fraction must lie in [0, 1], got " +
                                std::to_string(fraction));
  }
  std::vector<int64_t> order(static_cast<size_t>(count));
  std::iota(order.begin(), order.end(), 0);
  std::mt19937_64 rng(seed);
  // Fisher-Yates with plain 64-bit draws: std::shuffle and std::uniform_int_distribution give
  // different sequences in different standard libraries, and the subsets must not.
  for (int64_t i = count - 1; i > 0; --i) {
    const auto pick = static_cast<int64_t>(rng() % static_cast<uint64_t>(i + 1));
    std::swap(order[static_cast<size_t>(i)], order[static_cast<size_t>(pick)]);
  }
  auto kept = static_cast<int64_t>(std::llround(fraction * static_cast<double>(count)));
  if (fraction > 0.0) kept = std::max<int64_t>(kept, 1);
  kept = std::min(kept, count);
  std::vector<int64_t> subset(order.begin(), order.begin() + kept);
  std::sort(subset.begin(), subset.end());
  return subset;
}

}  // namespace protoseg::data
