#include "protoseg/eval/paired_difference.h"

#include <cmath>
#include <stdexcept>

namespace protoseg::eval {

PairedDifference paired_difference(const std::map<std::string, double>& a,
                                   const std::map<std::string, double>& b,
                                   const std::string& what) {
  if (a.empty()) throw std::invalid_argument(what + ": no images to compare");
  if (a.size() != b.size()) {
    throw std::invalid_argument(what + ": scored on different images (" + std::to_string(a.size()) +
                                " against " + std::to_string(b.size()) + ")");
  }
  PairedDifference result;
  double sum = 0;
  for (const auto& [id, value] : a) {
    const auto other = b.find(id);
    if (other == b.end()) throw std::invalid_argument(what + ": image " + id + " only on one side");
    sum += value - other->second;
  }
  result.pairs = static_cast<int64_t>(a.size());
  result.mean = sum / static_cast<double>(result.pairs);
  if (result.pairs > 1) {
    double squares = 0;
    for (const auto& [id, value] : a) {
      const double deviation = value - b.at(id) - result.mean;
      squares += deviation * deviation;
    }
    const double variance = squares / static_cast<double>(result.pairs - 1);
    result.standard_error = std::sqrt(variance / static_cast<double>(result.pairs));
  }
  return result;
}

}  // namespace protoseg::eval
