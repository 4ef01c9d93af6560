#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace protoseg::core {

/// Time per outermost operator while it is alive: each ATen operator called from outside any
/// other (conv2d, batch_norm, an autocast cast, ...) and each autograd node of a backward pass
/// (ConvolutionBackward0, ...), with its calls and inclusive wall time; what an operator calls
/// inside counts towards it. Collected from RecordFunction callbacks in every thread, so the
/// shares describe where a training step's time goes without the profiler's trace files. One
/// profile at a time.
class OperatorProfile {
 public:
  struct Row {
    std::string name;
    int64_t calls = 0;
    double seconds = 0;
  };

  OperatorProfile();
  ~OperatorProfile();
  OperatorProfile(const OperatorProfile&) = delete;
  OperatorProfile& operator=(const OperatorProfile&) = delete;

  /// The operators seen so far, the most time first.
  std::vector<Row> rows() const;
  /// The first `max_rows` of `rows()` as a Markdown table per step of `steps` profiled steps:
  /// `| operator | calls per step | ms per step | share |`, each share of `seconds`, the steps'
  /// wall time.
  std::string markdown(int steps, double seconds, size_t max_rows) const;

 private:
  uint64_t handle_;
};

}  // namespace protoseg::core
