#pragma once

#include <filesystem>

#include "protoseg/train/prolearn_config.h"

namespace protoseg::testing {

/// A small ProLearn-layout folder (32 x 32 PNGs with a bright lesion on the left or the right
/// and a report saying which: 12 train, 4 val, 4 test) and a config of a tiny model over it
/// (ResNet-18, narrow decoder, 1-layer text transformer, fp32 on the CPU, 1 epoch per stage).
train::ProLearnConfig tiny_prolearn_experiment(const std::filesystem::path& dir);

}  // namespace protoseg::testing
