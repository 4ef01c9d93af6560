#include "protoseg/core/operator_profile.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <algorithm>
#include <map>
#include <string>

namespace protoseg::core {
namespace {

std::map<std::string, OperatorProfile::Row> by_name(const OperatorProfile& profile) {
  std::map<std::string, OperatorProfile::Row> rows;
  for (const auto& row : profile.rows()) rows[row.name] = row;
  return rows;
}

TEST(OperatorProfileTest, OutermostOperatorsAndBackwardNodesWithCalls) {
  torch::nn::Conv2d conv(torch::nn::Conv2dOptions(3, 8, 3).padding(1));
  const at::Tensor input = torch::randn({2, 3, 16, 16});
  OperatorProfile profile;
  at::Tensor y = conv(input);
  y = torch::relu(y);
  y = torch::relu(y);
  y.sum().backward();
  const auto rows = by_name(profile);
  ASSERT_TRUE(rows.count("aten::conv2d"));
  EXPECT_EQ(rows.at("aten::conv2d").calls, 1);
  EXPECT_EQ(rows.at("aten::relu").calls, 2);
  // conv2d's inner operators are part of its row, not rows of their own.
  EXPECT_EQ(rows.count("aten::convolution"), 0u);
  EXPECT_EQ(rows.count("aten::_convolution"), 0u);
  ASSERT_TRUE(rows.count("ConvolutionBackward0"));
  EXPECT_GT(rows.at("ConvolutionBackward0").seconds, 0.0);
  // Sorted by time.
  const auto sorted = profile.rows();
  for (size_t i = 1; i < sorted.size(); ++i) EXPECT_GE(sorted[i - 1].seconds, sorted[i].seconds);
}

TEST(OperatorProfileTest, MarkdownGivesPerStepRowsMostTimeFirst) {
  OperatorProfile profile;
  for (int step = 0; step < 2; ++step) {
    at::Tensor x = torch::rand({64, 64});
    x = torch::relu(torch::mm(x, x));
  }
  const std::string table = profile.markdown(/*steps=*/2, /*seconds=*/1.0, /*max_rows=*/2);
  EXPECT_EQ(table.rfind("| operator | calls per step | ms per step | share |\n| --- |", 0), 0u)
      << table;
  EXPECT_EQ(std::count(table.begin(), table.end(), '\n'), 4) << table;  // header, rule, 2 rows
  const std::string first = profile.rows()[0].name;
  EXPECT_NE(table.find("| " + first + " | 1.0 | "), std::string::npos) << table;  // once a step
}

TEST(OperatorProfileTest, OneAtATime) {
  OperatorProfile profile;
  EXPECT_THROW(OperatorProfile second, std::logic_error);
}

}  // namespace
}  // namespace protoseg::core
