#include "protoseg/eval/binary_predictor.h"

#include <ATen/CPUGeneratorImpl.h>
#include <gtest/gtest.h>
#include <torch/torch.h>

#include "protoseg/models/few_shot_segmenter.h"

namespace protoseg::eval {
namespace {

class BinaryPredictorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    torch::manual_seed(4);
    // Image size = grid size: the align_corners upsampling is the identity, so grid
    // probabilities and full-resolution scores describe the same pixels.
    features_ = torch::randn({3, 16, 8, 8});
    const at::Tensor support_features = torch::randn({1, 16, 8, 8});
    const at::Tensor support_mask = torch::zeros({8, 8});
    support_mask.slice(0, 2, 6).slice(1, 2, 6).fill_(1.0);
    at::Generator generator = at::detail::createCPUGenerator(3);
    SphericalMixtureOptions mixture;
    mixture.components = 3;
    support_ = make_support_prototypes(support_features, support_mask,
                                       head_->sigma_foreground.item<double>(), mixture, generator);
    masks_ = torch::zeros({3, 8, 8});
    masks_[0].slice(0, 0, 3).fill_(1.0);  // 24 px
    masks_[1][4][4] = 1.0;                // 1 px
    masks_[2].slice(1, 0, 6).fill_(1.0);  // 48 px
  }
  models::TiedPrototypeHead head_;
  at::Tensor features_, masks_;
  SupportPrototypes support_;
};

TEST_F(BinaryPredictorTest, OracleLabelsAsManyPixelsAsTheTruth) {
  const BinaryPredictor predictor(*head_, support_, features_, 8);
  for (bool multi : {false, true}) {
    const at::Tensor oracle = predictor.predict_oracle(multi, masks_, false);
    EXPECT_TRUE(torch::equal(oracle.flatten(1).sum(1), masks_.flatten(1).sum(1).to(torch::kLong)))
        << "multi " << multi;
    // The reference's off-by-one labels one pixel more.
    const at::Tensor shifted = predictor.predict_oracle(multi, masks_, true);
    EXPECT_TRUE(
        torch::equal(shifted.flatten(1).sum(1), masks_.flatten(1).sum(1).to(torch::kLong) + 1));
  }
}

// The ideal prior (ICP for one prototype, the ratio threshold for multi-prototypes) makes the
// ordinary posterior rule P(F|x) > 0.5 reproduce the oracle boundary exactly.
TEST_F(BinaryPredictorTest, IdealPriorsPutTheDecisionBoundaryAtTheIdealThreshold) {
  const BinaryPredictor predictor(*head_, support_, features_, 8);
  for (bool multi : {false, true}) {
    const at::Tensor priors = predictor.ideal_priors(multi, masks_, false);
    ASSERT_EQ(priors.sizes(), (std::vector<int64_t>{3}));
    EXPECT_TRUE(priors.gt(0).all().item<bool>() && priors.lt(1).all().item<bool>());
    EXPECT_TRUE(torch::equal(predictor.predict(multi, priors),
                             predictor.predict_oracle(multi, masks_, false)))
        << "multi " << multi;
  }
  // A slice without foreground has no ideal prior.
  EXPECT_TRUE(
      predictor.ideal_priors(false, torch::zeros({3, 8, 8}), false).isnan().all().item<bool>());
}

// CE-T with one prototype is the model's own forward pass (prior 0.5).
TEST_F(BinaryPredictorTest, SinglePrototypeRuleMatchesTheSegmenter) {
  models::FewShotSegmenter model(models::FewShotEncoderOptions().depth(18).output_stride(32),
                                 models::TiedPrototypeHeadOptions());
  model->eval();
  torch::NoGradGuard no_grad;
  const at::Tensor support = torch::randn({1, 1, 64, 64});
  const at::Tensor mask = torch::zeros({1, 64, 64});
  mask.slice(1, 20, 40).slice(2, 10, 50).fill_(1.0);
  const at::Tensor queries = torch::randn({2, 1, 64, 64});
  const auto out = model->forward(support, mask, queries);
  at::Generator generator = at::detail::createCPUGenerator(3);
  const SupportPrototypes prototypes =
      make_support_prototypes(out.support_features, mask[0], 0.3, {}, generator);
  EXPECT_TRUE(torch::allclose(prototypes.prototype, out.prototype, 1e-5, 1e-6));
  const BinaryPredictor predictor(*model->head, prototypes, out.query_features, 64);
  const at::Tensor expected = out.query_probabilities.select(1, 1).gt(0.5);
  EXPECT_TRUE(torch::equal(predictor.predict(false, torch::tensor(0.5)), expected));
}

// Without a mixture (components = 0) the single-prototype rule is unchanged and the
// multi-prototype rules refuse with a clear error instead of reading an empty tensor.
TEST_F(BinaryPredictorTest, SupportWithoutMixtureServesOnlyTheSinglePrototypeRule) {
  SphericalMixtureOptions none;
  none.components = 0;
  at::Generator generator = at::detail::createCPUGenerator(3);
  const at::Tensor support_features = torch::randn({1, 16, 8, 8});
  const at::Tensor mask = torch::ones({8, 8});
  const SupportPrototypes plain = make_support_prototypes(
      support_features, mask, head_->sigma_foreground.item<double>(), none, generator);
  EXPECT_FALSE(plain.mixture.means.defined());
  SphericalMixtureOptions three;
  three.components = 3;
  const SupportPrototypes full = make_support_prototypes(
      support_features, mask, head_->sigma_foreground.item<double>(), three, generator);
  const BinaryPredictor without(*head_, plain, features_, 8);
  const BinaryPredictor with(*head_, full, features_, 8);
  EXPECT_TRUE(torch::equal(without.probability(false, torch::tensor(0.3)),
                           with.probability(false, torch::tensor(0.3))));
  EXPECT_THROW(without.probability(true, torch::tensor(0.3)), c10::Error);
  EXPECT_THROW(without.ideal_priors(true, masks_, false), c10::Error);
}

TEST(SupportPrototypesTest, FeaturesUnderTheMaskEqualExplicitUpsampling) {
  torch::manual_seed(1);
  const at::Tensor features = torch::randn({1, 5, 4, 6});
  const at::Tensor mask = torch::rand({16, 24}).gt(0.7).to(torch::kFloat);
  namespace F = torch::nn::functional;
  const at::Tensor up = F::interpolate(features, F::InterpolateFuncOptions()
                                                     .size(std::vector<int64_t>{16, 24})
                                                     .mode(torch::kBilinear)
                                                     .align_corners(false));
  const at::Tensor expected = up[0].flatten(1).t().index({mask.flatten().gt(0.5)});
  EXPECT_TRUE(torch::allclose(upsampled_features_under_mask(features, mask), expected, 1e-5, 1e-6));
}

}  // namespace
}  // namespace protoseg::eval
