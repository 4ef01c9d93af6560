#include "protoseg/eval/multi_class_rule.h"

#include "protoseg/eval/named_list.h"

namespace protoseg::eval {

std::string method_name(MultiClassRule rule) {
  switch (rule) {
    case MultiClassRule::kAdnetPlusPlus: return "ADNet++";
    case MultiClassRule::kCeT: return "CE-T";
    case MultiClassRule::kAvgEst: return "AvgEst";
    case MultiClassRule::kLinEst: return "LinEst";
    case MultiClassRule::kOracle: return "OCP";
  }
  return "?";
}

std::vector<MultiClassRule> all_multi_class_rules() {
  return {MultiClassRule::kAdnetPlusPlus, MultiClassRule::kCeT, MultiClassRule::kAvgEst,
          MultiClassRule::kLinEst, MultiClassRule::kOracle};
}

std::vector<MultiClassRule> parse_multi_class_rules(const std::string& list) {
  return parse_named_list(
      list, all_multi_class_rules(), [](MultiClassRule rule) { return method_name(rule); },
      "multi-class rule");
}

bool needs_training_priors(MultiClassRule rule) {
  return rule == MultiClassRule::kAvgEst || rule == MultiClassRule::kLinEst;
}

}  // namespace protoseg::eval
