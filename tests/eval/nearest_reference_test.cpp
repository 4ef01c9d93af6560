#include "protoseg/eval/nearest_reference.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

namespace protoseg::eval {
namespace {

TEST(NearestReferenceTest, RanksReferencesByCosineNotDistance) {
  // Reference 2 is far away but points the same way as the query: cosine ranks it first.
  const torch::Tensor references = torch::tensor({{1.0, 0.0}, {0.6, 0.8}, {10.0, 1.0}});
  const torch::Tensor queries = torch::tensor({{2.0, 0.2}, {0.0, 1.0}});
  const torch::Tensor nearest = nearest_by_cosine(queries, references, 2);
  ASSERT_EQ(nearest.sizes(), (std::vector<int64_t>{2, 2}));
  EXPECT_EQ(nearest[0][0].item<int64_t>(), 2);
  EXPECT_EQ(nearest[0][1].item<int64_t>(), 0);
  EXPECT_EQ(nearest[1][0].item<int64_t>(), 1);
  EXPECT_EQ(nearest[1][1].item<int64_t>(), 2);
}

TEST(NearestReferenceTest, EqualSimilaritiesKeepTheReferenceOrder) {
  const torch::Tensor references = torch::tensor({{0.0, 1.0}, {2.0, 0.0}, {1.0, 0.0}});
  const torch::Tensor nearest = nearest_by_cosine(torch::tensor({{3.0, 0.0}}), references, 3);
  EXPECT_EQ(nearest[0][0].item<int64_t>(), 1);
  EXPECT_EQ(nearest[0][1].item<int64_t>(), 2);
  EXPECT_EQ(nearest[0][2].item<int64_t>(), 0);
}

TEST(NearestReferenceTest, RejectsMismatchedWidthsAndTooLargeK) {
  EXPECT_THROW(nearest_by_cosine(torch::ones({2, 3}), torch::ones({4, 2}), 1), c10::Error);
  EXPECT_THROW(nearest_by_cosine(torch::ones({2, 3}), torch::ones({4, 3}), 5), c10::Error);
  EXPECT_THROW(nearest_by_cosine(torch::ones({2, 3}), torch::ones({4, 3}), 0), c10::Error);
}

}  // namespace
}  // namespace protoseg::eval
