#include "protoseg/models/semantic_approximation.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

namespace protoseg::models {
namespace {

/// Four prototypes in 2-D query space, responses of two tokens in 1-D.
SemanticApproximation four_prototypes(PsaAggregation aggregation) {
  SemanticApproximation psa(
      SemanticApproximationOptions(4, 2, 2, 1).top_k(2).aggregation(aggregation));
  psa->initialise(
      torch::tensor({{1.0F, 0.0F}, {0.0F, 1.0F}, {-1.0F, 0.0F}, {1.0F, 1.0F}}),
      torch::tensor({10.0F, 11.0F, 20.0F, 21.0F, 30.0F, 31.0F, 40.0F, 41.0F}).view({4, 2, 1}),
      torch::tensor({{1, 0}, {1, 1}, {1, 1}, {1, 1}}));
  return psa;
}

TEST(SemanticApproximationTest, TopKSoftmaxWeightedSumByHand) {
  SemanticApproximation psa = four_prototypes(PsaAggregation::kWeightedSum);
  // Query (2, 0.2): cosines 0.995 (P0), 0.0995 (P1), -0.995 (P2), 0.7739 (P3) -> top-2 P0, P3.
  const SemanticResponse response = psa->forward(torch::tensor({{2.0F, 0.2F}}));
  EXPECT_TRUE(torch::equal(response.indices, torch::tensor({{0, 3}})));
  const double c0 = 2.0 / std::sqrt(4.04), c3 = 2.2 / std::sqrt(4.04) / std::sqrt(2.0);
  const double w0 = std::exp(c0) / (std::exp(c0) + std::exp(c3));
  EXPECT_NEAR(response.weights[0][0].item<double>(), w0, 1e-6);
  EXPECT_NEAR(response.weights.sum().item<double>(), 1.0, 1e-6);
  EXPECT_NEAR(response.tokens[0][0][0].item<double>(), w0 * 10 + (1 - w0) * 40, 1e-4);
  EXPECT_NEAR(response.tokens[0][1][0].item<double>(), w0 * 11 + (1 - w0) * 41, 1e-4);
  EXPECT_TRUE(torch::equal(response.mask, torch::tensor({{1, 1}})));  // union of the masks
}

TEST(SemanticApproximationTest, TokenAggregationReturnsTheCandidatesSideBySide) {
  SemanticApproximation psa = four_prototypes(PsaAggregation::kTokens);
  const SemanticResponse response = psa->forward(torch::tensor({{2.0F, 0.2F}}));
  EXPECT_EQ(response.tokens.sizes(), (std::vector<int64_t>{1, 4, 1}));
  EXPECT_TRUE(torch::equal(response.tokens.flatten(), torch::tensor({10.0F, 11.0F, 40.0F, 41.0F})));
  EXPECT_TRUE(torch::equal(response.mask, torch::tensor({{1, 0, 1, 1}})));
}

TEST(SemanticApproximationTest, GradientReachesChosenQueriesAndResponses) {
  SemanticApproximation psa = four_prototypes(PsaAggregation::kWeightedSum);
  const SemanticResponse response = psa->forward(torch::tensor({{2.0F, 0.2F}, {0.1F, 3.0F}}));
  response.tokens.pow(2).sum().backward();
  const torch::Tensor query_grad = psa->queries.grad().norm(2, 1);
  const torch::Tensor response_grad = psa->responses.grad().flatten(1).norm(2, 1);
  // Chosen: P0, P3 (first image) and P1, P3 (second); P2 is never among the top 2.
  EXPECT_GT(query_grad[0].item<double>(), 0.0);
  EXPECT_GT(query_grad[3].item<double>(), 0.0);
  EXPECT_GT(response_grad[1].item<double>(), 0.0);
  EXPECT_EQ(response_grad[2].item<double>(), 0.0);
  EXPECT_EQ(query_grad[2].item<double>(), 0.0);
}

TEST(SemanticApproximationTest, InferenceCacheFollowsPrototypeUpdates) {
  SemanticApproximation psa = four_prototypes(PsaAggregation::kWeightedSum);
  psa->eval();
  torch::NoGradGuard no_grad;
  const torch::Tensor query = torch::tensor({{2.0F, 0.2F}});
  EXPECT_TRUE(torch::equal(psa->forward(query).indices, torch::tensor({{0, 3}})));
  psa->queries.mul_(-1);  // an in-place update, as an optimizer step makes
  EXPECT_TRUE(torch::equal(psa->forward(query).indices, torch::tensor({{2, 1}})));
}

TEST(SemanticApproximationTest, InferencePathEqualsTheTrainingPath) {
  for (const PsaAggregation aggregation : {PsaAggregation::kWeightedSum, PsaAggregation::kTokens}) {
    torch::manual_seed(3);
    SemanticApproximation psa(
        SemanticApproximationOptions(96, 64, 24, 16).top_k(3).aggregation(aggregation));
    psa->initialise(torch::randn({96, 64}), torch::randn({96, 24, 16}),
                    torch::randint(0, 2, {96, 24}, torch::kLong));
    const torch::Tensor images = torch::randn({5, 64});
    const SemanticResponse reference = psa->forward(images);  // training mode, autograd on
    psa->eval();
    torch::NoGradGuard no_grad;
    const SemanticResponse fast = psa->forward(images);
    EXPECT_TRUE(torch::equal(fast.indices, reference.indices));
    EXPECT_TRUE(torch::allclose(fast.weights, reference.weights, 1e-5, 1e-6));
    EXPECT_TRUE(torch::allclose(fast.tokens, reference.tokens, 1e-5, 1e-5));
    EXPECT_TRUE(torch::equal(fast.mask, reference.mask));
    EXPECT_EQ(fast.tokens.sizes(), reference.tokens.sizes());
  }
}

TEST(SemanticApproximationTest, ShapesAreChecked) {
  SemanticApproximation psa = four_prototypes(PsaAggregation::kWeightedSum);
  EXPECT_THROW(psa->forward(torch::zeros({1, 3})), c10::Error);
  EXPECT_THROW(psa->initialise(torch::zeros({3, 2}), torch::zeros({4, 2, 1}),
                               torch::ones({4, 2}, torch::kLong)),
               c10::Error);
  EXPECT_THROW(SemanticApproximation(SemanticApproximationOptions(2, 2, 2, 1).top_k(3)),
               c10::Error);
}

}  // namespace
}  // namespace protoseg::models
