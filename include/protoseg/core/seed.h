#pragma once

#include <cstdint>

namespace protoseg::core {

/// Seeds LibTorch's CPU and CUDA generators. Components with their own random engines
/// (episode samplers, augmentations) take explicit seeds derived from the same value.
void seed_everything(uint64_t seed);

}  // namespace protoseg::core
