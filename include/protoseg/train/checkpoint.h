#pragma once

#include <cstdint>
#include <filesystem>

#include <torch/nn/module.h>

#include "protoseg/train/sgd.h"

namespace protoseg::train {

/// Where a run stands: the next step to run and the next episode to draw. Episodes are a pure
/// function of (seed, index), so this is the whole sampler state.
struct TrainingState {
  int64_t step = 0;
  int64_t next_episode = 0;
};

/// Writes model parameters and buffers, optimizer state (momentum buffers) and `state` to
/// `file` atomically: a temporary file in the same folder is written, flushed to disk and
/// renamed, so an interrupted write never leaves a damaged checkpoint.
void save_checkpoint(const std::filesystem::path& file, const torch::nn::Module& model,
                     const Sgd& optimizer, const TrainingState& state);

/// Restores what save_checkpoint wrote into `model` and `optimizer` (built with the same
/// configuration) and returns the state. Throws std::runtime_error naming the file when it is
/// missing or unreadable.
TrainingState load_checkpoint(const std::filesystem::path& file, torch::nn::Module& model,
                              Sgd& optimizer);

}  // namespace protoseg::train
