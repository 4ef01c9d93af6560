#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <vector>

#include <ATen/core/Tensor.h>

#include "protoseg/dist/process_group.h"

namespace protoseg::dist {

/// Averages gradients over the ranks of a data-parallel run, as DistributedDataParallel does:
/// parameters are grouped into buckets of about `bucket_bytes` in reverse registration order
/// (the order backward produces gradients), and each bucket's flattened all-reduce starts as
/// soon as its last gradient is computed, overlapping communication with the rest of backward.
/// Buckets start strictly in order, so every rank issues the same collectives in the same
/// order. Usage per step: `zero_grad`, `backward`, `finish()`, optimizer step.
class GradientReducer {
 public:
  GradientReducer(std::shared_ptr<ProcessGroup> group, std::vector<at::Tensor> parameters,
                  int64_t bucket_bytes = 25 << 20);
  ~GradientReducer();
  GradientReducer(const GradientReducer&) = delete;
  GradientReducer& operator=(const GradientReducer&) = delete;

  /// Waits for every bucket (starting those whose gradients never came, with zeros), divides by
  /// the world size and writes the averages into the parameters' `.grad`.
  void finish();
  int64_t bucket_count() const { return static_cast<int64_t>(buckets_.size()); }

 private:
  struct Bucket {
    std::vector<size_t> members;  // parameter indices
    std::vector<at::Tensor> grads;
    size_t ready = 0;
    at::Tensor flat;
    std::unique_ptr<PendingCollective> pending;
  };
  void on_gradient(size_t parameter, const at::Tensor& grad);
  void launch_ready_buckets();
  void launch(Bucket& bucket);

  std::shared_ptr<ProcessGroup> group_;
  std::vector<at::Tensor> parameters_;
  std::vector<Bucket> buckets_;
  std::vector<std::pair<size_t, size_t>> slot_;  // parameter -> (bucket, position)
  std::vector<unsigned> hooks_;
  size_t next_launch_ = 0;
  std::mutex mutex_;
};

}  // namespace protoseg::dist
