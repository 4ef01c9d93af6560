#include "protoseg/eval/dice.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

namespace protoseg::eval {
namespace {

TEST(DiceTest, MatchesHandCounts) {
  // prediction 1 1 0 0, truth 1 0 1 0: TP 1, FP 1, FN 1 -> 2 / 4.
  const at::Tensor p = torch::tensor({1, 1, 0, 0});
  const at::Tensor t = torch::tensor({1, 0, 1, 0});
  EXPECT_DOUBLE_EQ(dice_coefficient(p, t), 0.5);
  EXPECT_DOUBLE_EQ(dice_coefficient(t, t), 1.0);
  EXPECT_DOUBLE_EQ(dice_coefficient(torch::zeros({2, 3}), torch::zeros({2, 3})), 1.0);
  EXPECT_DOUBLE_EQ(dice_coefficient(torch::ones({2, 3}), torch::zeros({2, 3})), 0.0);
  EXPECT_THROW(dice_coefficient(torch::ones({2}), torch::ones({3})), c10::Error);
}

}  // namespace
}  // namespace protoseg::eval
