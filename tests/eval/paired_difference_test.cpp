#include "protoseg/eval/paired_difference.h"

#include <cmath>
#include <stdexcept>

#include <gtest/gtest.h>

#include "expect_error.h"

namespace protoseg::eval {
namespace {

TEST(PairedDifferenceTest, MeanAndStandardErrorByHand) {
  // differences 0.1, 0.3, 0.2: mean 0.2, sample variance 0.01, standard error 0.1 / sqrt(3)
  const std::map<std::string, double> a{{"x", 0.9}, {"y", 0.8}, {"z", 0.5}};
  const std::map<std::string, double> b{{"x", 0.8}, {"y", 0.5}, {"z", 0.3}};
  const PairedDifference d = paired_difference(a, b, "a - b");
  EXPECT_EQ(d.pairs, 3);
  EXPECT_NEAR(d.mean, 0.2, 1e-12);
  EXPECT_NEAR(d.standard_error, 0.1 / std::sqrt(3.0), 1e-12);
}

TEST(PairedDifferenceTest, OnePairHasNoSpread) {
  const PairedDifference d = paired_difference({{"x", 0.7}}, {{"x", 0.4}}, "one");
  EXPECT_NEAR(d.mean, 0.3, 1e-12);
  EXPECT_EQ(d.standard_error, 0.0);
}

TEST(PairedDifferenceTest, DifferentImagesAreAnError) {
  EXPECT_THROW(paired_difference({{"x", 0.7}}, {{"y", 0.4}}, "ids"), std::invalid_argument);
  EXPECT_THROW(paired_difference({{"x", 0.7}}, {{"x", 0.4}, {"y", 0.1}}, "sizes"),
               std::invalid_argument);
  EXPECT_THROW(paired_difference({}, {}, "empty"), std::invalid_argument);
  testing::expect_error<std::invalid_argument>(
      [] {
        paired_difference({{"x", 0.7}}, {{"y", 0.4}}, "ProLearn 1 % - image-only");
      },
      "ProLearn 1 % - image-only");
}

}  // namespace
}  // namespace protoseg::eval
