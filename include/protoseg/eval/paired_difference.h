#pragma once

#include <cstdint>
#include <map>
#include <string>

namespace protoseg::eval {

/// Mean per-image difference of two models scored on the same images, with its standard error
/// (sample standard deviation of the differences / sqrt(pairs)); with one pair the error is 0.
struct PairedDifference {
  double mean = 0;
  double standard_error = 0;
  int64_t pairs = 0;
};

/// `a[id] - b[id]` over the ids of both maps. Throws std::invalid_argument naming `what` when
/// the maps are empty or do not hold the same ids (models scored on different images).
PairedDifference paired_difference(const std::map<std::string, double>& a,
                                   const std::map<std::string, double>& b, const std::string& what);

}  // namespace protoseg::eval
