#pragma once

#include <vector>

#include <ATen/core/Tensor.h>
#include <torch/serialize/archive.h>

namespace protoseg::train {

/// Settings of Sgd (PyTorch's SGD without dampening or Nesterov).
struct SgdOptions {
  double momentum = 0.9;
  double weight_decay = 5e-4;
  /// Gradient value clipping to [-c, c] before the update; 0 disables.
  double clip_value = 0.0;
};

/// Stochastic gradient descent with momentum and weight decay, computing exactly what
/// `clip_grad_value_` followed by `torch.optim.SGD.step()` computes:
/// g = clamp(grad, -c, c) + wd * p; b = g (first step) or momentum * b + g; p -= lr * b.
/// On the CPU the whole update is one pass over memory per parameter (torch's SGD makes four,
/// clipping one more); elsewhere it runs as tensor operations.
class Sgd {
 public:
  Sgd(std::vector<at::Tensor> parameters, SgdOptions options);

  void zero_grad();
  /// Updates every parameter that has a gradient with learning rate `lr`.
  void step(double lr);

  /// Momentum buffers, for checkpoints (undefined tensors for parameters not yet updated).
  void save(torch::serialize::OutputArchive& archive) const;
  void load(torch::serialize::InputArchive& archive);

  const SgdOptions& options() const { return options_; }

 private:
  std::vector<at::Tensor> parameters_;
  std::vector<at::Tensor> momentum_;
  SgdOptions options_;
};

}  // namespace protoseg::train
