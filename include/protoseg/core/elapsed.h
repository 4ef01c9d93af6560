#pragma once

#include <algorithm>
#include <chrono>
#include <stdexcept>
#include <vector>

namespace protoseg::core {

/// Wall-clock seconds from `start` (a steady_clock reading) to now.
inline double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

/// The median of timings (the mean of the middle two for an even count).
inline double median(std::vector<double> values) {
  if (values.empty()) throw std::invalid_argument("median of no values");
  std::sort(values.begin(), values.end());
  const size_t n = values.size();
  return n % 2 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
}

}  // namespace protoseg::core
