#include "protoseg/eval/inference_method.h"

#include "protoseg/eval/named_list.h"

namespace protoseg::eval {

std::string method_name(const InferenceMethod& method) {
  std::string name;
  switch (method.rule) {
    case PriorRule::kCeT: name = "CE-T"; break;
    case PriorRule::kAvgEst: name = "AvgEst"; break;
    case PriorRule::kLinEst: name = "LinEst"; break;
    case PriorRule::kOracle: name = "OCP"; break;
  }
  return method.multi_prototype ? name + "_MP" : name;
}

bool needs_training_priors(const InferenceMethod& method) {
  return method.rule == PriorRule::kLinEst ||
         (method.rule == PriorRule::kAvgEst && method.multi_prototype);
}

std::vector<InferenceMethod> all_binary_methods() {
  std::vector<InferenceMethod> methods;
  for (bool multi : {false, true}) {
    for (PriorRule rule :
         {PriorRule::kCeT, PriorRule::kAvgEst, PriorRule::kLinEst, PriorRule::kOracle}) {
      methods.push_back({rule, multi});
    }
  }
  return methods;
}

std::vector<InferenceMethod> parse_methods(const std::string& list) {
  return parse_named_list(
      list, all_binary_methods(), [](const InferenceMethod& method) { return method_name(method); },
      "inference method");
}

}  // namespace protoseg::eval
