#include "protoseg/core/flop_counter.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

namespace protoseg::core {
namespace {

// 3 x 3 convolution, stride 2, padding 1: [2, 4, 10, 10] -> [2, 6, 5, 5].
constexpr int64_t kConvolution = 2 * (2 * 6 * 5 * 5) * (4 * 3 * 3);

TEST(FlopCounterTest, ConvolutionForwardAndBothGradientsByHand) {
  torch::nn::Conv2d conv(torch::nn::Conv2dOptions(4, 6, 3).stride(2).padding(1));
  const at::Tensor input = torch::randn({2, 4, 10, 10}, torch::requires_grad());
  FlopCounter counter;
  const at::Tensor output = conv(input);
  EXPECT_EQ(counter.convolution_flops(), kConvolution);
  counter.reset();
  output.sum().backward();
  EXPECT_EQ(counter.convolution_flops(), 2 * kConvolution);  // grad_input and grad_weight
  EXPECT_EQ(counter.matmul_flops(), 0);
}

TEST(FlopCounterTest, NoInputGradientCountsTheWeightGradientOnly) {
  torch::nn::Conv2d conv(torch::nn::Conv2dOptions(4, 6, 3).stride(2).padding(1));
  const at::Tensor output = conv(torch::randn({2, 4, 10, 10}));
  FlopCounter counter;
  output.sum().backward();
  EXPECT_EQ(counter.convolution_flops(), kConvolution);
}

TEST(FlopCounterTest, TransposedConvolutionCountsPerInputElement) {
  // 2 x 2, stride 2, 8 -> 3 channels: [1, 8, 4, 4] -> [1, 3, 8, 8], 3 x 2 x 2 multiply-adds per
  // input element (counted per output element it would be 4x as many).
  torch::nn::ConvTranspose2d up(torch::nn::ConvTranspose2dOptions(8, 3, 2).stride(2));
  const at::Tensor input = torch::randn({1, 8, 4, 4}, torch::requires_grad());
  FlopCounter counter;
  const at::Tensor output = up(input);
  ASSERT_EQ(output.sizes(), (std::vector<int64_t>{1, 3, 8, 8}));
  constexpr int64_t kTransposed = 2 * (1 * 8 * 4 * 4) * (3 * 2 * 2);
  EXPECT_EQ(counter.convolution_flops(), kTransposed);
  counter.reset();
  output.sum().backward();
  EXPECT_EQ(counter.convolution_flops(), 2 * kTransposed);
}

TEST(FlopCounterTest, MatrixProductsByHand) {
  FlopCounter counter;
  (void)torch::mm(torch::randn({3, 5}), torch::randn({5, 7}));
  (void)torch::addmm(torch::randn({3, 7}), torch::randn({3, 5}), torch::randn({5, 7}));
  (void)torch::bmm(torch::randn({4, 3, 5}), torch::randn({4, 5, 7}));
  EXPECT_EQ(counter.matmul_flops(), 2 * 3 * 5 * 7 * (1 + 1 + 4));
  EXPECT_EQ(counter.total(), counter.matmul_flops());
}

TEST(FlopCounterTest, OneAtATimeAndNothingCountedAfterwards) {
  {
    FlopCounter counter;
    EXPECT_THROW(FlopCounter second, std::logic_error);
  }
  FlopCounter again;  // the first one is gone
  EXPECT_EQ(again.total(), 0);
}

}  // namespace
}  // namespace protoseg::core
