#include "dist/tiny_parallel_job.h"

namespace protoseg::testing {

torch::nn::Sequential make_tiny_model(uint64_t seed) {
  torch::manual_seed(seed);
  return torch::nn::Sequential(torch::nn::Conv2d(torch::nn::Conv2dOptions(1, 4, 3).padding(1)),
                               torch::nn::BatchNorm2d(4), torch::nn::ReLU(),
                               torch::nn::AdaptiveAvgPool2d(1), torch::nn::Flatten(),
                               torch::nn::Linear(4, 1));
}

std::pair<torch::Tensor, torch::Tensor> tiny_batch(int64_t step, int64_t rank) {
  auto generator = at::detail::createCPUGenerator(static_cast<uint64_t>(1000 * step + rank + 1));
  const torch::Tensor inputs = torch::randn({2, 1, 8, 8}, generator);
  const torch::Tensor targets = inputs.mean({2, 3}) * 3.0 + 1.0;
  return {inputs, targets};
}

torch::Tensor tiny_loss(torch::nn::Sequential& model,
                        const std::pair<torch::Tensor, torch::Tensor>& batch) {
  return torch::mse_loss(model->forward(batch.first), batch.second);
}

}  // namespace protoseg::testing
