#include "protoseg/core/seed.h"

#include <torch/utils.h>

namespace protoseg::core {

void seed_everything(uint64_t seed) { torch::manual_seed(seed); }

}  // namespace protoseg::core
