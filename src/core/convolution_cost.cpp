#include "protoseg/core/convolution_cost.h"

namespace protoseg::core {
namespace {

int64_t product(const std::vector<int64_t>& sizes, size_t from) {
  int64_t p = 1;
  for (size_t i = from; i < sizes.size(); ++i) p *= sizes[i];
  return p;
}

}  // namespace

int64_t convolution_cost(const std::vector<int64_t>& input, const std::vector<int64_t>& weight,
                         const std::vector<int64_t>& output, bool transposed) {
  const std::vector<int64_t>& per_element = transposed ? input : output;
  if (per_element.size() < 3 || weight.size() < 3) return 0;
  return 2 * product(per_element, 0) * product(weight, 1);
}

}  // namespace protoseg::core
