#include "protoseg/eval/linear_prior.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <stdexcept>
#include <string>

namespace protoseg::eval {
namespace {

constexpr double kPriorClip = 1e-3;

double clip_prior(double p) { return std::clamp(p, kPriorClip, 1.0 - kPriorClip); }

}  // namespace

double slice_location(int64_t z, int64_t depth) {
  return depth > 1 ? static_cast<double>(z) / static_cast<double>(depth - 1) : 0.0;
}

double LinearPrior::predict(double location, double support_fraction) const {
  const double logit = intercept + location_coef * (location - 0.5) * (location - 0.5) +
                       size_coef * support_fraction;
  return clip_prior(1.0 / (1.0 + std::exp(-logit)));
}

LinearPrior fit_linear_prior(const std::vector<double>& locations,
                             const std::vector<double>& support_fractions,
                             const std::vector<double>& priors) {
  if (locations.size() != priors.size() || support_fractions.size() != priors.size()) {
    throw std::invalid_argument("fit_linear_prior: feature and prior counts differ");
  }
  // Normal equations A^T A x = A^T y with rows a = [1, (loc - 0.5)^2, fraction].
  std::array<std::array<double, 4>, 3> system{};  // [A^T A | A^T y]
  int samples = 0;
  for (size_t i = 0; i < priors.size(); ++i) {
    if (!std::isfinite(priors[i]) || !std::isfinite(locations[i]) ||
        !std::isfinite(support_fractions[i])) {
      continue;
    }
    const double p = clip_prior(priors[i]);
    const double a[3] = {1.0, (locations[i] - 0.5) * (locations[i] - 0.5), support_fractions[i]};
    const double y = std::log(p / (1.0 - p));
    for (int r = 0; r < 3; ++r) {
      for (int c = 0; c < 3; ++c) system[r][c] += a[r] * a[c];
      system[r][3] += a[r] * y;
    }
    ++samples;
  }
  if (samples < 3) {
    throw std::runtime_error("fit_linear_prior: " + std::to_string(samples) +
                             " usable samples, at least 3 are needed");
  }
  // Gaussian elimination with partial pivoting.
  const double scale = system[0][0];
  for (int col = 0; col < 3; ++col) {
    int pivot = col;
    for (int r = col + 1; r < 3; ++r) {
      if (std::abs(system[r][col]) > std::abs(system[pivot][col])) pivot = r;
    }
    if (std::abs(system[pivot][col]) <= 1e-12 * scale) {
      throw std::runtime_error(
          "fit_linear_prior: the features are degenerate (constant location or support "
          "fraction), the least-squares problem has no unique solution");
    }
    std::swap(system[col], system[pivot]);
    for (int r = 0; r < 3; ++r) {
      if (r == col) continue;
      const double factor = system[r][col] / system[col][col];
      for (int c = col; c < 4; ++c) system[r][c] -= factor * system[col][c];
    }
  }
  LinearPrior fit;
  fit.intercept = system[0][3] / system[0][0];
  fit.location_coef = system[1][3] / system[1][1];
  fit.size_coef = system[2][3] / system[2][2];
  fit.samples = samples;
  return fit;
}

}  // namespace protoseg::eval
