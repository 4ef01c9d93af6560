#include "protoseg/models/tied_prototype_head.h"

#include <cmath>

#include <gtest/gtest.h>
#include <torch/torch.h>

namespace protoseg::models {
namespace {

TEST(TiedPrototypeHeadTest, InitialValuesMatchThePaper) {
  TiedPrototypeHead head;
  EXPECT_NEAR(head->threshold_parameter.item<double>(), 9.99995459903963, 1e-5);
  EXPECT_NEAR(head->threshold().item<double>(), -10.0, 1e-5);
  EXPECT_NEAR(head->sigma_foreground.item<double>(), 0.316221, 1e-6);
  EXPECT_NEAR(head->sigma_background.item<double>(), 46.9313, 1e-4);
  EXPECT_NEAR(head->ideal_threshold_ema.item<double>(), 1.0, 1e-7);
  // The AvgEst prior of the initial ideal threshold T_D = 1 is p_F = 0.5.
  EXPECT_NEAR(head->average_estimated_prior().item<double>(), 0.5, 1e-4);
}

// Theorem 3.1: on the unit sphere (D^2 = 2 (1 - cos)), the tied Gaussian model with
// sigma_F, sigma_B from Eq. 6 and p_F = 0.5 gives exactly ADNet's 1 - sigmoid((S - T) / 2).
TEST(TiedPrototypeHeadTest, GaussianPosteriorEqualsAdnetSigmoidForOnePrototype) {
  for (double t : {-10.0, -14.0, -4.0}) {
    TiedPrototypeHead tpm(TiedPrototypeHeadOptions().initial_threshold(t));
    TiedPrototypeHead adnet(TiedPrototypeHeadOptions().initial_threshold(t).parameterization(
        ThresholdParameterization::kDirect));
    const at::Tensor cosine = torch::linspace(-1.0, 1.0, 201, torch::kDouble);
    const at::Tensor p_tpm = tpm->foreground_probability(tpm->anomaly_score(cosine),
                                                         tpm->threshold().to(torch::kDouble));
    const at::Tensor p_adnet = 1.0 - torch::sigmoid(0.5 * (adnet->anomaly_score(cosine) -
                                                           adnet->threshold().to(torch::kDouble)));
    EXPECT_TRUE(torch::allclose(p_tpm, p_adnet, 1e-6, 1e-7)) << "T_S " << t;

    // The explicit two-Gaussian posterior (d = 1): p_F N(D; sigma_F) / (sum over classes).
    auto [sigma_f, sigma_b] = tied_sigmas(torch::full({1}, t, torch::kDouble), 20.0, 0.5, 1.0);
    const at::Tensor d2 = 2.0 * (1.0 - cosine);
    const at::Tensor log_f = -d2 / (2.0 * sigma_f.pow(2)) - torch::log(sigma_f);
    const at::Tensor log_b = -d2 / (2.0 * sigma_b.pow(2)) - torch::log(sigma_b);
    const at::Tensor posterior = torch::sigmoid(log_f - log_b);
    EXPECT_TRUE(torch::allclose(p_tpm, posterior, 1e-6, 1e-9)) << "T_S " << t;
  }
}

TEST(TiedPrototypeHeadTest, PriorShiftsTheDecisionBoundary) {
  TiedPrototypeHead head;
  const at::Tensor t = head->threshold();
  // At S = T_S the posterior equals the prior.
  for (double p : {0.1, 0.5, 0.8}) {
    EXPECT_NEAR(head->foreground_probability(t, t, p).item<double>(), p, 1e-6);
  }
}

TEST(TiedPrototypeHeadTest, IdealClassPriorPutsTheBoundaryAtTheIdealThreshold) {
  const at::Tensor sigma_f = torch::full({1}, 0.3, torch::kDouble);
  const at::Tensor sigma_b = torch::full({1}, 40.0, torch::kDouble);
  for (double idt : {0.6, 0.9, 1.2}) {
    const at::Tensor prior =
        ideal_class_prior(torch::full({1}, idt, torch::kDouble), sigma_f, sigma_b, 1.0);
    // Posterior at D = IDT with that prior is 0.5.
    const double d2 = idt * idt;
    const double f = prior.item<double>() * std::exp(-d2 / (2 * 0.09)) / 0.3;
    const double b = (1 - prior.item<double>()) * std::exp(-d2 / (2 * 1600.0)) / 40.0;
    EXPECT_NEAR(f / (f + b), 0.5, 1e-9) << idt;
  }
}

TEST(TiedPrototypeHeadTest, StatisticsFollowExponentialMovingAverages) {
  TiedPrototypeHead head;
  const double sigma_f0 = head->sigma_foreground.item<double>();
  const at::Tensor t = torch::full({1}, -8.0);
  auto [sigma_f, sigma_b] = tied_sigmas(t, 20.0, 0.5, 1.0);
  head->update_statistics(t, torch::full({1}, 0.7));
  EXPECT_NEAR(head->sigma_foreground.item<double>(),
              0.999 * sigma_f0 + 0.001 * sigma_f.item<double>(), 1e-7);
  EXPECT_NEAR(head->ideal_threshold_ema.item<double>(), 0.999 + 0.0007, 1e-6);
  // NaN ideal thresholds (empty or full query masks) leave the EMA alone.
  head->update_statistics(t, torch::full({1}, std::nan("")));
  EXPECT_NEAR(head->ideal_threshold_ema.item<double>(), 0.999 + 0.0007, 1e-6);
  // The EMA is clipped to [1e-3, sqrt(2) - 1e-3].
  TiedPrototypeHead fast(TiedPrototypeHeadOptions().ema_rate(1.0));
  fast->update_statistics(t, torch::full({1}, 5.0));
  EXPECT_NEAR(fast->ideal_threshold_ema.item<double>(), std::sqrt(2.0) - 1e-3, 1e-6);
}

TEST(TiedPrototypeHeadTest, BuffersTravelWithTheModule) {
  TiedPrototypeHead head;
  std::vector<std::string> names;
  for (const auto& b : head->named_buffers()) names.push_back(b.key());
  EXPECT_EQ(names, (std::vector<std::string>{"sigma_foreground", "sigma_background",
                                             "ideal_threshold_ema"}));
  EXPECT_EQ(head->parameters().size(), 1u);
}

}  // namespace
}  // namespace protoseg::models
