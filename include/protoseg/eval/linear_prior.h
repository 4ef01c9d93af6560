#pragma once

#include <cstdint>
#include <vector>

namespace protoseg::eval {

/// TPM's LinEst (Sec. 3.4): logit(p_F) = intercept + location_coef * (location - 0.5)^2 +
/// size_coef * support_fraction, fitted by least squares on the ideal class priors of training
/// queries. `location` is a slice position in [0, 1]; `support_fraction` is the share of
/// foreground pixels in the support mask.
struct LinearPrior {
  double intercept = 0.0;
  double location_coef = 0.0;
  double size_coef = 0.0;
  int samples = 0;  ///< training queries the fit used

  /// The estimated prior, clipped to [1e-3, 1 - 1e-3] as the reference does.
  double predict(double location, double support_fraction) const;
};

/// The location feature of LinEst for a slice: z / (depth - 1) (0 for one slice).
double slice_location(int64_t z, int64_t depth);

/// Priors are clipped to [1e-3, 1 - 1e-3] before the logit; samples with a non-finite prior
/// are left out. Solves the 3x3 normal equations in double precision. Throws
/// std::runtime_error when fewer than 3 usable samples remain or the features are degenerate.
LinearPrior fit_linear_prior(const std::vector<double>& locations,
                             const std::vector<double>& support_fractions,
                             const std::vector<double>& priors);

}  // namespace protoseg::eval
