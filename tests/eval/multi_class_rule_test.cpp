#include "protoseg/eval/multi_class_rule.h"

#include <stdexcept>

#include <gtest/gtest.h>

#include "expect_error.h"

namespace protoseg::eval {
namespace {

TEST(MultiClassRuleTest, ParsesNamesAndSaysWhichNeedPriors) {
  EXPECT_EQ(parse_multi_class_rules("all"), all_multi_class_rules());
  EXPECT_EQ(parse_multi_class_rules("ADNet++,LinEst"),
            (std::vector<MultiClassRule>{MultiClassRule::kAdnetPlusPlus, MultiClassRule::kLinEst}));
  testing::expect_error<std::invalid_argument>(
      [] { parse_multi_class_rules("CE-T,AvgEst_MP"); },
      "unknown multi-class rule 'AvgEst_MP' (known: ADNet++, CE-T, AvgEst, LinEst, OCP, or all)");
  for (MultiClassRule rule : all_multi_class_rules()) {
    EXPECT_EQ(needs_training_priors(rule),
              rule == MultiClassRule::kAvgEst || rule == MultiClassRule::kLinEst)
        << method_name(rule);
  }
}

}  // namespace
}  // namespace protoseg::eval
