#include "protoseg/models/multi_class_posterior.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include "protoseg/eval/spherical_mixture.h"
#include "protoseg/models/tied_prototype_head.h"

namespace protoseg::models {
namespace {

class MultiClassPosteriorTest : public ::testing::Test {
 protected:
  TiedPrototypeHead head_;
  at::Tensor sigma_f() const { return head_->sigma_foreground; }
  at::Tensor sigma_b() const { return head_->sigma_background; }
};

TEST_F(MultiClassPosteriorTest, ProbabilitiesSumToOneInTheReferenceOrder) {
  torch::manual_seed(0);
  const at::Tensor cosines = torch::rand({2, 3, 5, 5}) * 2 - 1;  // 3 classes
  const at::Tensor p =
      multi_class_tpm_probabilities(cosines, sigma_f(), sigma_b(), torch::tensor({0.3, 0.6}), 1.0);
  ASSERT_EQ(p.sizes(), (std::vector<int64_t>{2, 4, 5, 5}));
  EXPECT_TRUE(torch::allclose(p.sum(1), torch::ones({2, 5, 5}), 1e-5, 1e-6));
  EXPECT_TRUE(p.ge(0).all().item<bool>());
  // A pixel on class 2's prototype (cosine 1) and far from the others is class 2.
  const at::Tensor pixel = torch::tensor({-0.5, 1.0, -0.3}).reshape({1, 3, 1, 1});
  const at::Tensor q = torch::tensor(0.5);
  EXPECT_EQ(
      multi_class_tpm_probabilities(pixel, sigma_f(), sigma_b(), q, 1.0).argmax(1).item<int64_t>(),
      1);
  // Far from every prototype: background (last channel).
  const at::Tensor far = torch::full({1, 3, 1, 1}, -0.2);
  EXPECT_EQ(
      multi_class_tpm_probabilities(far, sigma_f(), sigma_b(), q, 1.0).argmax(1).item<int64_t>(),
      3);
}

// With one class, Eq. 9 is the binary posterior (Eq. 7/8) with p_F = q.
TEST_F(MultiClassPosteriorTest, OneClassIsTheBinaryPosterior) {
  const at::Tensor cosines = torch::linspace(-1, 1, 21).reshape({1, 1, 21});
  for (double q : {0.5, 0.2}) {
    const at::Tensor prior = torch::tensor(q);
    const at::Tensor p = multi_class_tpm_probabilities(cosines, sigma_f(), sigma_b(), prior, 1.0);
    const at::Tensor binary = eval::mixture_foreground_probability(
        cosines, torch::ones({1}), sigma_f(), sigma_b(), prior, 1.0);
    EXPECT_TRUE(torch::allclose(p.select(1, 0), binary, 1e-5, 1e-6)) << q;
  }
}

TEST_F(MultiClassPosteriorTest, AdnetPlusPlusBackgroundIsOneMinusTheLargestClass) {
  const at::Tensor classes = torch::tensor({0.2, 0.7, 0.1}).reshape({1, 3, 1});
  const at::Tensor p = adnet_plus_plus_probabilities(classes);
  ASSERT_EQ(p.sizes(), (std::vector<int64_t>{1, 4, 1}));
  EXPECT_NEAR(p[0][3][0].item<double>(), 0.3, 1e-7);
  EXPECT_EQ(p.argmax(1).item<int64_t>(), 1);
}

// h_F / (h_F + h_B) with sigmas implied by T_S is the threshold posterior
// 1 - sigmoid(0.5 (S - T_S)) (Thm. 3.1): the reference's ADNet++ on a fresh head is ADNet's.
TEST_F(MultiClassPosteriorTest, TiedClassPosteriorIsTheThresholdPosteriorAtTheImpliedSigmas) {
  const at::Tensor cosines = torch::linspace(-1, 1, 41).reshape({1, 1, 41});
  const at::Tensor tied = tied_class_posteriors(cosines, sigma_f(), sigma_b(), 1.0);
  const at::Tensor threshold =
      head_->foreground_probability(head_->anomaly_score(cosines), head_->threshold(0.5), 0.5);
  EXPECT_TRUE(torch::allclose(tied, threshold, 1e-4, 1e-5));
  // With other sigmas (trained EMAs) it follows the sigmas, not T_S.
  const at::Tensor wider = tied_class_posteriors(cosines, sigma_f() * 2, sigma_b(), 1.0);
  EXPECT_FALSE(torch::allclose(wider, threshold, 1e-3, 1e-3));
}

TEST_F(MultiClassPosteriorTest, UpsamplingRenormalises) {
  torch::manual_seed(2);
  const at::Tensor p = torch::rand({1, 4, 3, 3});
  const at::Tensor up = upsample_class_probabilities(p, 9, 9);
  ASSERT_EQ(up.sizes(), (std::vector<int64_t>{1, 4, 9, 9}));
  EXPECT_TRUE(torch::allclose(up.sum(1), torch::ones({1, 9, 9}), 1e-5, 1e-6));
  // Corners are kept (align_corners = true), up to the renormalisation.
  EXPECT_TRUE(torch::allclose(
      up.select(2, 0).select(2, 0),
      p.select(2, 0).select(2, 0) / p.select(2, 0).select(2, 0).sum(1, true), 1e-5, 1e-6));
}

}  // namespace
}  // namespace protoseg::models
