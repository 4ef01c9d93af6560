#pragma once

#include <cmath>
#include <vector>

namespace protoseg::sweep {

/// Mean and sample standard deviation (n - 1 in the denominator; 0 for one value) of a
/// non-empty list, as the sweep tables report them over folds and seeds.
inline void mean_std(const std::vector<double>& values, double& mean, double& std) {
  mean = 0.0;
  for (double v : values) mean += v;
  mean /= static_cast<double>(values.size());
  double squares = 0.0;
  for (double v : values) squares += (v - mean) * (v - mean);
  std = values.size() > 1 ? std::sqrt(squares / static_cast<double>(values.size() - 1)) : 0.0;
}

}  // namespace protoseg::sweep
