#include "protoseg/eval/adjusted_rand_index.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

namespace protoseg::eval {
namespace {

at::Tensor labels(std::vector<int64_t> values) { return torch::tensor(values, torch::kInt64); }

TEST(AdjustedRandIndexTest, MatchesScikitLearnValues) {
  // Values from sklearn.metrics.adjusted_rand_score.
  EXPECT_DOUBLE_EQ(adjusted_rand_index(labels({0, 0, 1, 1}), labels({1, 1, 0, 0})), 1.0);
  EXPECT_NEAR(adjusted_rand_index(labels({0, 0, 1, 2}), labels({0, 0, 1, 1})), 0.5714285714285715,
              1e-12);
  EXPECT_NEAR(adjusted_rand_index(labels({0, 0, 0, 0}), labels({0, 1, 2, 3})), 0.0, 1e-12);
  EXPECT_NEAR(adjusted_rand_index(labels({0, 0, 1, 1}), labels({0, 1, 0, 1})), -0.5, 1e-12);
  EXPECT_DOUBLE_EQ(adjusted_rand_index(labels({3, 3, 3}), labels({7, 7, 7})), 1.0);
}

TEST(AdjustedRandIndexTest, RejectsShapeMismatch) {
  EXPECT_THROW(adjusted_rand_index(labels({0, 1}), labels({0, 1, 2})), c10::Error);
}

}  // namespace
}  // namespace protoseg::eval
