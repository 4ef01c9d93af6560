#include "protoseg/eval/multi_class_rule.h"

#include <sstream>
#include <stdexcept>

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
  if (list == "all") return all_multi_class_rules();
  std::vector<MultiClassRule> rules;
  std::stringstream stream(list);
  std::string name;
  while (std::getline(stream, name, ',')) {
    bool found = false;
    for (MultiClassRule rule : all_multi_class_rules()) {
      if (method_name(rule) == name) {
        rules.push_back(rule);
        found = true;
      }
    }
    if (!found) {
      std::string known;
      for (MultiClassRule rule : all_multi_class_rules()) {
        known += (known.empty() ? "" : ", ") + method_name(rule);
      }
      throw std::invalid_argument("unknown multi-class rule '" + name + "' (known: " + known +
                                  ", or all)");
    }
  }
  if (rules.empty()) throw std::invalid_argument("no multi-class rule given");
  return rules;
}

bool needs_training_priors(MultiClassRule rule) {
  return rule == MultiClassRule::kAvgEst || rule == MultiClassRule::kLinEst;
}

}  // namespace protoseg::eval
