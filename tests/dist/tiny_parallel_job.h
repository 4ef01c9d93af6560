#pragma once

#include <cstdint>
#include <vector>

#include <torch/torch.h>

namespace protoseg::testing {

/// A small convolutional regressor with BatchNorm, and the data each rank sees, shared by the
/// two-process worker (tests/dist/dist_worker_main.cpp) and the one-process reference.
torch::nn::Sequential make_tiny_model(uint64_t seed);

/// Rank `rank`'s batch at `step`: inputs [2, 1, 8, 8] and targets [2, 1].
std::pair<torch::Tensor, torch::Tensor> tiny_batch(int64_t step, int64_t rank);

/// Mean squared error of the model on a batch.
torch::Tensor tiny_loss(torch::nn::Sequential& model,
                        const std::pair<torch::Tensor, torch::Tensor>& batch);

}  // namespace protoseg::testing
