#pragma once

#include <string>
#include <vector>

namespace protoseg::eval {

/// Where the foreground prior p_F of a binary inference rule comes from (TPM Sec. 3.4).
enum class PriorRule {
  kCeT,     ///< p_F = 0.5 with the learned threshold (the "ADNet" row for a T-loss model)
  kAvgEst,  ///< the average ideal prior of training queries
  kLinEst,  ///< linear model of logit(prior) on slice location and support size
  kOracle,  ///< OCP: the ideal prior of the query itself, from its true mask
};

/// A binary inference variant: a prior rule with one prototype or the EM multi-prototypes.
struct InferenceMethod {
  PriorRule rule = PriorRule::kCeT;
  bool multi_prototype = false;
  bool operator==(const InferenceMethod& other) const {
    return rule == other.rule && multi_prototype == other.multi_prototype;
  }
};

/// True for the methods that need the analysis of training episodes (TrainingPriors):
/// LinEst, LinEst_MP and AvgEst_MP (single-prototype AvgEst uses the head's own statistics).
bool needs_training_priors(const InferenceMethod& method);

/// "CE-T", "AvgEst", "LinEst", "OCP", with "_MP" for multi-prototypes (the reference's names).
std::string method_name(const InferenceMethod& method);

/// All eight variants, single-prototype first, in table order.
std::vector<InferenceMethod> all_binary_methods();

/// Parses a comma-separated list of method names, or "all". Throws std::invalid_argument
/// naming an unknown method and listing the known ones.
std::vector<InferenceMethod> parse_methods(const std::string& list);

}  // namespace protoseg::eval
