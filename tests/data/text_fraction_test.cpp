#include "protoseg/data/text_fraction.h"

#include <algorithm>

#include <gtest/gtest.h>

namespace protoseg::data {
namespace {

TEST(TextFractionTest, SubsetsAreNestedSeededAndSized) {
  const std::vector<double> fractions = {0.01, 0.05, 0.10, 0.25, 0.50};
  std::vector<int64_t> previous;
  for (double fraction : fractions) {
    const std::vector<int64_t> subset = paired_subset(3000, fraction, 42);
    EXPECT_EQ(static_cast<double>(subset.size()), fraction * 3000);
    EXPECT_TRUE(std::includes(subset.begin(), subset.end(), previous.begin(), previous.end()))
        << fraction;
    EXPECT_EQ(subset, paired_subset(3000, fraction, 42));
    previous = subset;
  }
  EXPECT_NE(paired_subset(3000, 0.05, 42), paired_subset(3000, 0.05, 43));
  EXPECT_EQ(paired_subset(3000, 1.0, 7).size(), 3000U);
  EXPECT_TRUE(paired_subset(3000, 0.0, 7).empty());
  EXPECT_EQ(paired_subset(50, 0.001, 7).size(), 1U);  // a positive fraction keeps one report
  EXPECT_THROW(paired_subset(10, 1.5, 7), std::invalid_argument);
}

}  // namespace
}  // namespace protoseg::data
