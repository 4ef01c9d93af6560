#include "protoseg/core/convolution_census.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

namespace protoseg::core {
namespace {

// 3 x 3 convolution, stride 2, padding 1, dilation 1: [2, 4, 10, 10] -> [2, 6, 5, 5].
constexpr int64_t kConvolution = 2 * (2 * 6 * 5 * 5) * (4 * 3 * 3);

TEST(ConvolutionCensusTest, RecordsForwardAndBackwardWithTheirArguments) {
  torch::nn::Conv2d conv(torch::nn::Conv2dOptions(4, 6, 3).stride(2).padding(1));
  const at::Tensor input = torch::randn({2, 4, 10, 10}, torch::requires_grad());
  ConvolutionCensus census;
  conv(input).sum().backward();
  const std::vector<ConvolutionCall> calls = census.calls();
  ASSERT_EQ(calls.size(), 2u);
  const ConvolutionCall& forward = calls[0];
  EXPECT_FALSE(forward.backward);
  EXPECT_EQ(forward.input, (std::vector<int64_t>{2, 4, 10, 10}));
  EXPECT_EQ(forward.weight, (std::vector<int64_t>{6, 4, 3, 3}));
  EXPECT_EQ(forward.output, (std::vector<int64_t>{2, 6, 5, 5}));
  EXPECT_EQ(forward.stride, (std::vector<int64_t>{2, 2}));
  EXPECT_EQ(forward.padding, (std::vector<int64_t>{1, 1}));
  EXPECT_TRUE(forward.has_bias);
  EXPECT_EQ(forward.flops(), kConvolution);
  EXPECT_EQ(forward.describe(), "fwd 3x3 s2 4->6 2x10x10 Float NCHW");

  const ConvolutionCall& backward = calls[1];
  EXPECT_TRUE(backward.backward);
  EXPECT_EQ(backward.output, (std::vector<int64_t>{2, 6, 5, 5}));
  EXPECT_EQ(backward.output_mask, (std::array<bool, 3>{true, true, true}));
  EXPECT_EQ(backward.flops(), 2 * kConvolution);  // grad_input and grad_weight
}

TEST(ConvolutionCensusTest, DilationGroupsAndChannelsLastAreSeen) {
  auto conv = torch::nn::Conv2d(
      torch::nn::Conv2dOptions(8, 8, 3).padding(2).dilation(2).groups(2).bias(false));
  const at::Tensor input = torch::randn({1, 8, 12, 12}).contiguous(at::MemoryFormat::ChannelsLast);
  ConvolutionCensus census;
  (void)conv(input);
  const std::vector<ConvolutionCall> calls = census.calls();
  ASSERT_EQ(calls.size(), 1u);
  EXPECT_EQ(calls[0].dilation, (std::vector<int64_t>{2, 2}));
  EXPECT_EQ(calls[0].groups, 2);
  EXPECT_FALSE(calls[0].has_bias);
  EXPECT_TRUE(calls[0].channels_last);
  EXPECT_EQ(calls[0].flops(), 2 * (1 * 8 * 12 * 12) * (4 * 3 * 3));
  EXPECT_EQ(calls[0].describe(), "fwd 3x3 s1 d2 g2 8->8 1x12x12 Float NHWC");
}

TEST(ConvolutionCensusTest, TimingGroupsRepeatedCallsAndReplaysThem) {
  torch::nn::Conv2d conv(torch::nn::Conv2dOptions(4, 6, 3).padding(1));
  const at::Tensor input = torch::randn({2, 4, 16, 16}, torch::requires_grad());
  ConvolutionCensus census;
  for (int i = 0; i < 3; ++i) conv(input).sum().backward();
  const auto timings = time_convolutions(census.calls(), c10::Device("cpu"), 0.01);
  ASSERT_EQ(timings.size(), 2u);  // one forward, one backward, each three times
  for (const ConvolutionTiming& t : timings) {
    EXPECT_EQ(t.count, 3);
    EXPECT_GT(t.seconds, 0.0);
    EXPECT_LT(t.seconds, 1.0);
  }
  EXPECT_GE(timings[0].count * timings[0].seconds, timings[1].count * timings[1].seconds);
}

TEST(ConvolutionCensusTest, OneAtATime) {
  ConvolutionCensus census;
  EXPECT_THROW(ConvolutionCensus second, std::logic_error);
}

}  // namespace
}  // namespace protoseg::core
