#pragma once

#include <string>
#include <vector>

namespace protoseg::eval {

/// Multi-class inference rules (TPM Sec. 3.5, Table 2). All use one MAP prototype per organ
/// from a single support slice that shows every organ.
enum class MultiClassRule {
  kAdnetPlusPlus,  ///< per-organ binary posteriors of the tied Gaussians (EMA sigmas, equal
                   ///< priors), background 1 - max (the reference's ADNet++)
  kCeT,            ///< Eq. 9 with total foreground prior q = 0.5
  kAvgEst,         ///< q = mean ideal total foreground prior of multi-foreground training
                   ///< episodes (TrainingPriors::average_multi_class)
  kLinEst,         ///< q from TrainingPriors::linear_multi_class (location, support sizes)
  kOracle,         ///< q from the query slice's true total foreground count, read on the
                   ///< feature grid (OCP)
};

/// "ADNet++", "CE-T", "AvgEst", "LinEst", "OCP".
std::string method_name(MultiClassRule rule);
std::vector<MultiClassRule> all_multi_class_rules();

/// Rules from a comma-separated list of their names, or "all". Throws std::invalid_argument
/// naming an unknown rule and the known ones.
std::vector<MultiClassRule> parse_multi_class_rules(const std::string& list);

/// Whether the rule needs the prior analysis of multi-foreground training episodes.
bool needs_training_priors(MultiClassRule rule);

}  // namespace protoseg::eval
