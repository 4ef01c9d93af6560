#include "protoseg/core/convolution_cost.h"

#include <gtest/gtest.h>

namespace protoseg::core {
namespace {

TEST(ConvolutionCostTest, OneMultiplyAddPerOutputElementAndWeightOfItsGroup) {
  // 3 x 3, 4 -> 6 channels, stride 2: [2, 4, 10, 10] -> [2, 6, 5, 5].
  EXPECT_EQ(convolution_cost({2, 4, 10, 10}, {6, 4, 3, 3}, {2, 6, 5, 5}, false),
            2 * (2 * 6 * 5 * 5) * (4 * 3 * 3));
  // Two groups: each output channel sees 2 of the 4 input channels.
  EXPECT_EQ(convolution_cost({2, 4, 10, 10}, {6, 2, 3, 3}, {2, 6, 5, 5}, false),
            2 * (2 * 6 * 5 * 5) * (2 * 3 * 3));
}

TEST(ConvolutionCostTest, TransposedCountsPerInputElement) {
  // 2 x 2 transposed, stride 2, 8 -> 3 channels: [1, 8, 4, 4] -> [1, 3, 8, 8]; its weight is
  // [C_in, C_out, k, k] and every input element scatters into 3 x 2 x 2 outputs.
  EXPECT_EQ(convolution_cost({1, 8, 4, 4}, {8, 3, 2, 2}, {1, 3, 8, 8}, true),
            2 * (1 * 8 * 4 * 4) * (3 * 2 * 2));
}

TEST(ConvolutionCostTest, UnknownShapesCostNothing) {
  EXPECT_EQ(convolution_cost({}, {6, 4, 3, 3}, {}, false), 0);
  EXPECT_EQ(convolution_cost({2, 4, 10, 10}, {}, {2, 6, 5, 5}, false), 0);
}

}  // namespace
}  // namespace protoseg::core
