#pragma once

#include <cstdint>
#include <vector>

namespace protoseg::data {

/// The indices (sorted) of the training samples that keep their reports when only a fraction
/// of reports is available: the first round(fraction * count) entries (at least one for a
/// positive fraction) of one permutation drawn from `seed`. The permutation does not depend on
/// the fraction, so subsets are nested: the 1 % subset lies within the 5 % subset, and so on.
std::vector<int64_t> paired_subset(int64_t count, double fraction, uint64_t seed);

}  // namespace protoseg::data
