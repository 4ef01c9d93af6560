#pragma once

#include <chrono>
#include <memory>
#include <vector>

#include <ATen/core/Tensor.h>
#include <c10/core/Device.h>
#include <torch/nn/module.h>

#include "protoseg/dist/distributed_env.h"

namespace protoseg::dist {

/// A pending collective; `wait()` rethrows a failed one as std::runtime_error.
class PendingCollective {
 public:
  virtual ~PendingCollective() = default;
  virtual void wait() = 0;
};

/// The processes of a data-parallel run over PyTorch's c10d: Gloo on the CPU, NCCL on CUDA
/// (when LibTorch was built with it), rendezvous through a TCPStore served by rank 0. With one
/// process every operation is a no-op. Every collective fails with a clear error after
/// `timeout` when a peer has died instead of hanging.
class ProcessGroup {
 public:
  /// Joins the group described by `env` (blocks until all ranks arrive, or throws after
  /// `timeout`).
  static std::shared_ptr<ProcessGroup> create(const DistributedEnv& env, const c10::Device& device,
                                              std::chrono::milliseconds timeout);
  virtual ~ProcessGroup() = default;

  virtual int rank() const = 0;
  virtual int world_size() const = 0;
  bool is_main() const { return rank() == 0; }

  /// Starts an in-place sum of `tensor` over all ranks.
  virtual std::unique_ptr<PendingCollective> all_reduce_sum_async(at::Tensor& tensor) = 0;
  void all_reduce_sum(at::Tensor& tensor) { all_reduce_sum_async(tensor)->wait(); }
  /// Copies rank `root`'s tensors into everyone's, in place.
  virtual void broadcast(std::vector<at::Tensor>& tensors, int root = 0) = 0;
  virtual void barrier() = 0;

  /// Gives every rank rank 0's parameters and buffers (identical starting points; with
  /// `buffers_only` the BatchNorm statistics and EMA buffers alone).
  void broadcast_module(torch::nn::Module& module, bool buffers_only = false);
};

}  // namespace protoseg::dist
