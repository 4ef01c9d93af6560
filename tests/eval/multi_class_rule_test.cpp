#include "protoseg/eval/multi_class_rule.h"

#include <stdexcept>

#include <gtest/gtest.h>

namespace protoseg::eval {
namespace {

TEST(MultiClassRuleTest, ParsesNamesAndSaysWhichNeedPriors) {
  EXPECT_EQ(parse_multi_class_rules("all"), all_multi_class_rules());
  EXPECT_EQ(parse_multi_class_rules("ADNet++,LinEst"),
            (std::vector<MultiClassRule>{MultiClassRule::kAdnetPlusPlus, MultiClassRule::kLinEst}));
  try {
    parse_multi_class_rules("CE-T,AvgEst_MP");
    FAIL() << "expected an error";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("unknown multi-class rule 'AvgEst_MP' (known: ADNet++, "
                                         "CE-T, AvgEst, LinEst, OCP, or all)"),
              std::string::npos)
        << e.what();
  }
  for (MultiClassRule rule : all_multi_class_rules()) {
    EXPECT_EQ(needs_training_priors(rule),
              rule == MultiClassRule::kAvgEst || rule == MultiClassRule::kLinEst)
        << method_name(rule);
  }
}

}  // namespace
}  // namespace protoseg::eval
