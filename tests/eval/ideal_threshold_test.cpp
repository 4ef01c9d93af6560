#include "protoseg/eval/ideal_threshold.h"

#include <cmath>

#include <gtest/gtest.h>
#include <torch/torch.h>

#include "protoseg/models/tied_prototype_head.h"

namespace protoseg::eval {
namespace {

TEST(IdealThresholdTest, BoundaryLiesBetweenTheNthAndTheNextScore) {
  // Sorted: 0.1 0.2 0.4 0.8 1.0; with 2 true foreground pixels the boundary is (0.2+0.4)/2.
  const at::Tensor scores = torch::tensor({{0.8, 0.1, 1.0, 0.4, 0.2}});
  EXPECT_NEAR(ideal_score_threshold(scores, torch::tensor({2})).item<double>(), 0.3, 1e-7);
  // The reference's off-by-one: (0.4 + 0.8) / 2; and its value at the count: 0.2.
  EXPECT_NEAR(ideal_score_threshold(scores, torch::tensor({2}), IdealBoundary::kReferenceOffByOne)
                  .item<double>(),
              0.6, 1e-7);
  EXPECT_NEAR(ideal_score_threshold(scores, torch::tensor({2}), IdealBoundary::kReferenceAtCount)
                  .item<double>(),
              0.2, 1e-7);
  // Exactly the n lowest scores fall below the boundary.
  for (int64_t n = 1; n < 5; ++n) {
    const double t = ideal_score_threshold(scores, torch::tensor({n})).item<double>();
    EXPECT_EQ(scores.lt(t).sum().item<int64_t>(), n);
  }
}

TEST(IdealThresholdTest, EmptyAndFullMasksHaveNoBoundary) {
  const at::Tensor scores = torch::tensor({{0.3, 0.1, 0.2}, {0.3, 0.1, 0.2}});
  const at::Tensor t = ideal_score_threshold(scores, torch::tensor({0, 3}));
  EXPECT_TRUE(std::isinf(t[0].item<double>()) && t[0].item<double>() < 0);
  EXPECT_TRUE(std::isinf(t[1].item<double>()) && t[1].item<double>() > 0);
  // The reference defines n = 0: (s[0] + s[1]) / 2 off by one, clip(2 s[0] - s[1], 0, 1) at
  // the count.
  const at::Tensor none = torch::tensor({int64_t{0}});
  EXPECT_NEAR(ideal_score_threshold(scores.slice(0, 0, 1), none, IdealBoundary::kReferenceOffByOne)
                  .item<double>(),
              0.15, 1e-7);
  EXPECT_NEAR(ideal_score_threshold(scores.slice(0, 0, 1), none, IdealBoundary::kReferenceAtCount)
                  .item<double>(),
              0.0, 1e-7);
}

// The ideal class prior of an ideal distance threshold puts P(F|x) = 0.5 exactly at that
// distance (Sec. 3.4), worked with the initial sigmas (T_D = 1): sigma_F = 0.316221,
// sigma_B = 46.9313, IDT = 0.5 -> logit p = -(log(sigma_B / sigma_F) - 0.125 (1/sigma_F^2 -
// 1/sigma_B^2)) = -(4.99998 - 1.25006) = -3.74992.
TEST(IdealThresholdTest, IdealClassPriorPlacesTheBoundaryAtTheThreshold) {
  models::TiedPrototypeHead head;
  const at::Tensor sigma_f = head->sigma_foreground, sigma_b = head->sigma_background;
  EXPECT_NEAR(sigma_f.item<double>(), 0.316221, 1e-5);
  const at::Tensor prior = models::ideal_class_prior(torch::tensor({0.5}), sigma_f, sigma_b, 1.0);
  EXPECT_NEAR(std::log(prior.item<double>() / (1 - prior.item<double>())), -3.74992, 1e-3);
  // Distance 0.5 <=> cosine 1 - 0.5^2 / 2 = 0.875: the posterior there is 0.5.
  const at::Tensor threshold = head->threshold(0.5).detach();
  const at::Tensor at_boundary = head->foreground_probability(
      head->anomaly_score(torch::tensor({0.875, 0.87, 0.88})), threshold, prior);
  EXPECT_NEAR(at_boundary[0].item<double>(), 0.5, 1e-4);
  EXPECT_LT(at_boundary[1].item<double>(), 0.5);
  EXPECT_GT(at_boundary[2].item<double>(), 0.5);
}

}  // namespace
}  // namespace protoseg::eval
