#pragma once

#include <cstdint>

namespace protoseg::core {

/// Counts the floating-point operations of the convolutions and matrix products that run while
/// it is alive, in any thread, from the shapes ATen sees (RecordFunction callbacks): a
/// convolution costs `convolution_cost` (2 N C_out H_out W_out (C_in / groups) k_h k_w), its
/// backward that once for the input gradient and once for the weight gradient when each is
/// computed, a product of
/// [n, k] and [k, m] is 2 n k m (`mm`, `addmm`, `bmm`). Element-wise work (BatchNorm, ReLU,
/// pooling, the optimizer) is not counted; in a ResNet it is below 1 % of the total.
/// One counter at a time; its callbacks cost a few microseconds per operator.
class FlopCounter {
 public:
  FlopCounter();
  ~FlopCounter();
  FlopCounter(const FlopCounter&) = delete;
  FlopCounter& operator=(const FlopCounter&) = delete;

  /// Operations counted since construction or the last reset().
  int64_t convolution_flops() const;
  int64_t matmul_flops() const;
  int64_t total() const { return convolution_flops() + matmul_flops(); }
  void reset();

 private:
  uint64_t handle_;
};

}  // namespace protoseg::core
