#include "protoseg/eval/spherical_mixture.h"

#include <fstream>

#include <ATen/CPUGeneratorImpl.h>
#include <gtest/gtest.h>
#include <torch/torch.h>

#include "protoseg/models/tied_prototype_head.h"
#include "test_paths.h"

namespace protoseg::eval {
namespace {

at::Tensor read_rows(std::ifstream& in, int64_t rows, int64_t cols) {
  std::vector<double> values(static_cast<size_t>(rows * cols));
  for (double& v : values) in >> v;
  return torch::tensor(values, torch::kDouble).reshape({rows, cols});
}

// tests/fixtures/spherical_mixture_em.txt: scikit-learn's GaussianMixture E- and M-steps with
// the covariance held at sigma^2 and means projected onto the sphere
// (make_spherical_mixture_fixture.py).
TEST(SphericalMixtureTest, AgreesWithScikitLearnOnTheFixture) {
  std::ifstream in(testing::source_path("tests/fixtures/spherical_mixture_em.txt"));
  ASSERT_TRUE(in) << "missing fixture";
  int64_t n = 0, c = 0, k = 0;
  double sigma = 0.0;
  int iterations = 0;
  in >> n >> c >> k >> sigma >> iterations;
  const at::Tensor x = read_rows(in, n, c);
  SphericalMixture start{read_rows(in, k, c), read_rows(in, 1, k).flatten(), 0};
  const at::Tensor means = read_rows(in, k, c);
  const at::Tensor weights = read_rows(in, 1, k).flatten();
  double nll = 0.0;
  in >> nll;
  ASSERT_TRUE(in) << "truncated fixture";

  SphericalMixtureOptions options;
  options.components = static_cast<int>(k);
  options.max_iterations = iterations;
  options.min_iterations = iterations;  // no early stop: exactly sklearn's iteration count
  const SphericalMixture fitted = fit_spherical_mixture(x, sigma, start, options);
  EXPECT_EQ(fitted.iterations, iterations);
  EXPECT_TRUE(torch::allclose(fitted.means, means, 0.0, 1e-9)) << fitted.means - means;
  EXPECT_TRUE(torch::allclose(fitted.weights, weights, 0.0, 1e-9)) << fitted.weights - weights;
  EXPECT_NEAR(spherical_mixture_nll(x, fitted, sigma), nll, 1e-7 * std::abs(nll));
}

TEST(SphericalMixtureTest, RecoversTheMeansOfASyntheticMixture) {
  torch::manual_seed(3);
  const int64_t c = 32;
  const at::Tensor centres = torch::randn({3, c}, torch::kDouble);
  const at::Tensor unit_centres = centres / centres.norm(2, {1}, true);
  // 600, 300 and 100 points around the three centres.
  const at::Tensor assignment =
      torch::cat({torch::zeros({600}), torch::ones({300}), torch::full({100}, 2)}).to(torch::kLong);
  const at::Tensor x =
      unit_centres.index_select(0, assignment) + 0.02 * torch::randn({1000, c}, torch::kDouble);
  SphericalMixtureOptions options;
  options.components = 3;
  options.tolerance = 1e-8;
  at::Generator generator = at::detail::createCPUGenerator(11);
  const SphericalMixture fitted = fit_spherical_mixture(x, 0.1, generator, options);
  // Every true centre has a fitted mean next to it, with its share of the points.
  const at::Tensor cosines = unit_centres.matmul(fitted.means.t());  // [3, 3]
  const auto [best, match] = cosines.max(1);
  const std::vector<double> shares = {0.6, 0.3, 0.1};
  for (int64_t i = 0; i < 3; ++i) {
    EXPECT_GT(best[i].item<double>(), 0.999) << "centre " << i;
    EXPECT_NEAR(fitted.weights[match[i].item<int64_t>()].item<double>(), shares[i], 0.01);
  }
  EXPECT_NEAR(fitted.weights.sum().item<double>(), 1.0, 1e-12);
}

TEST(SphericalMixtureTest, StopsAfterTheMinimumIterationsOnceConverged) {
  torch::manual_seed(0);
  const at::Tensor x = torch::randn({200, 8}, torch::kDouble);
  at::Generator generator = at::detail::createCPUGenerator(1);
  SphericalMixtureOptions options;
  options.tolerance = 1e9;  // any change counts as converged
  // The reference stops at iteration index >= 5 (0-based): six iterations.
  EXPECT_EQ(fit_spherical_mixture(x, 0.3, generator, options).iterations, 6);
  options.tolerance = -1.0;  // never converged
  options.max_iterations = 17;
  EXPECT_EQ(fit_spherical_mixture(x, 0.3, generator, options).iterations, 17);
}

TEST(SphericalMixtureTest, FewerFeaturesThanComponentsAreRepeated) {
  const at::Tensor x = torch::tensor({{1.0, 0.0}, {0.0, 1.0}}, torch::kDouble);
  at::Generator generator = at::detail::createCPUGenerator(5);
  const SphericalMixture fitted = fit_spherical_mixture(x, 0.3, generator);
  EXPECT_EQ(fitted.means.sizes(), (std::vector<int64_t>{5, 2}));
  EXPECT_FALSE(fitted.means.isnan().any().item<bool>());
}

// With one component, Eq. 8 is Eq. 7: the mixture posterior equals the head's single-prototype
// posterior when sigma_F and sigma_B are the ones the threshold implies (Thm. 3.1).
TEST(SphericalMixtureTest, OneComponentPosteriorEqualsTheSinglePrototypeHead) {
  models::TiedPrototypeHead head;
  const at::Tensor threshold = head->threshold(0.5).detach();
  const auto [sigma_f, sigma_b] = models::tied_sigmas(threshold, 20.0, 0.5, 1.0);
  const at::Tensor cosines = torch::linspace(-1.0, 1.0, 41).reshape({1, 1, 41});
  for (double prior : {0.5, 0.1, 0.83}) {
    const at::Tensor p = torch::tensor(prior);
    const at::Tensor mixture = mixture_foreground_probability(
        cosines, torch::ones({1}), sigma_f.detach(), sigma_b.detach(), p, 1.0);
    const at::Tensor single =
        head->foreground_probability(head->anomaly_score(cosines[0]), threshold, p);
    EXPECT_TRUE(torch::allclose(mixture[0], single.detach(), 1e-4, 1e-5)) << prior;
  }
}

TEST(SphericalMixtureTest, BadInputIsRefused) {
  at::Generator generator = at::detail::createCPUGenerator(1);
  EXPECT_THROW(fit_spherical_mixture(torch::zeros({0, 4}), 0.3, generator), std::invalid_argument);
  EXPECT_THROW(fit_spherical_mixture(torch::randn({10, 4}), 0.0, generator), std::invalid_argument);
}

}  // namespace
}  // namespace protoseg::eval
