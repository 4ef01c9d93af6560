#include "protoseg/eval/inference_method.h"

#include <sstream>
#include <stdexcept>

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
  if (list == "all") return all_binary_methods();
  std::vector<InferenceMethod> methods;
  std::stringstream stream(list);
  std::string name;
  while (std::getline(stream, name, ',')) {
    bool found = false;
    for (const InferenceMethod& method : all_binary_methods()) {
      if (method_name(method) == name) {
        methods.push_back(method);
        found = true;
      }
    }
    if (!found) {
      std::string known;
      for (const InferenceMethod& method : all_binary_methods()) {
        known += (known.empty() ? "" : ", ") + method_name(method);
      }
      throw std::invalid_argument("unknown inference method '" + name + "' (known: " + known +
                                  ", or all)");
    }
  }
  if (methods.empty()) throw std::invalid_argument("no inference method given");
  return methods;
}

}  // namespace protoseg::eval
