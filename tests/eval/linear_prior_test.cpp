#include "protoseg/eval/linear_prior.h"

#include <cmath>
#include <limits>

#include <gtest/gtest.h>

#include "expect_error.h"

namespace protoseg::eval {
namespace {

double sigmoid(double x) { return 1.0 / (1.0 + std::exp(-x)); }

TEST(LinearPriorTest, RecoversAnExactLinearModel) {
  std::vector<double> locations, fractions, priors;
  for (int i = 0; i < 20; ++i) {
    locations.push_back(i / 19.0);
    fractions.push_back(0.01 * (i % 7));
    priors.push_back(sigmoid(-2.0 + 3.0 * std::pow(i / 19.0 - 0.5, 2) + 10.0 * 0.01 * (i % 7)));
  }
  const LinearPrior fit = fit_linear_prior(locations, fractions, priors);
  EXPECT_NEAR(fit.intercept, -2.0, 1e-9);
  EXPECT_NEAR(fit.location_coef, 3.0, 1e-8);
  EXPECT_NEAR(fit.size_coef, 10.0, 1e-8);
  EXPECT_EQ(fit.samples, 20);
  EXPECT_NEAR(fit.predict(0.5, 0.03), sigmoid(-2.0 + 0.3), 1e-9);
}

// Four samples, worked by hand. Rows a = [1, (loc - 0.5)^2, size]: [1,0,0], [1,0,1],
// [1,0.25,0], [1,0.25,1]; targets y = logit(p) = 0, 1, 2, 4. The normal equations give
// x = (-0.25, 10, 1.5): residuals 0.25, -0.25, -0.25, 0.25, orthogonal to every column.
TEST(LinearPriorTest, EqualsTheClosedFormLeastSquaresSolution) {
  const std::vector<double> locations = {0.5, 0.5, 0.0, 1.0};
  const std::vector<double> fractions = {0.0, 1.0, 0.0, 1.0};
  const std::vector<double> priors = {sigmoid(0.0), sigmoid(1.0), sigmoid(2.0), sigmoid(4.0)};
  const LinearPrior fit = fit_linear_prior(locations, fractions, priors);
  EXPECT_NEAR(fit.intercept, -0.25, 1e-9);
  EXPECT_NEAR(fit.location_coef, 10.0, 1e-9);
  EXPECT_NEAR(fit.size_coef, 1.5, 1e-9);
}

TEST(LinearPriorTest, SkipsNonFiniteAndClipsPriors) {
  std::vector<double> locations = {0.0, 0.2, 0.5, 0.7, 1.0, 0.3};
  std::vector<double> fractions = {0.1, 0.2, 0.3, 0.1, 0.2, 0.5};
  std::vector<double> priors = {0.2, 0.3, 0.1, 0.4, 0.5, std::numeric_limits<double>::quiet_NaN()};
  EXPECT_EQ(fit_linear_prior(locations, fractions, priors).samples, 5);
  // A prediction is clipped to [1e-3, 1 - 1e-3].
  LinearPrior extreme;
  extreme.intercept = 100.0;
  EXPECT_DOUBLE_EQ(extreme.predict(0.5, 0.0), 1.0 - 1e-3);
  extreme.intercept = -100.0;
  EXPECT_DOUBLE_EQ(extreme.predict(0.5, 0.0), 1e-3);
}

TEST(LinearPriorTest, DegenerateFeaturesAreAClearError) {
  EXPECT_THROW(fit_linear_prior({0.5, 0.5}, {0.1, 0.2}, {0.1, 0.2}), std::runtime_error);
  testing::expect_error<std::runtime_error>(
      [&] {
        fit_linear_prior({0.5, 0.5, 0.5, 0.5}, {0.1, 0.2, 0.3, 0.4}, {0.1, 0.2, 0.3, 0.3});
      },
      "degenerate");
}

}  // namespace
}  // namespace protoseg::eval
