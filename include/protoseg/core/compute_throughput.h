#pragma once

#include <c10/core/Device.h>
#include <c10/core/ScalarType.h>

#include <functional>

namespace protoseg::core {

/// What this machine's ATen reaches on the work that dominates a ResNet training step, in
/// GFLOP/s, measured (medians of repeated runs after a warm-up).
struct ComputeThroughput {
  double convolution_forward = 0;   ///< the probe convolution, forward
  double convolution_backward = 0;  ///< its input and weight gradients together
  double gemm = 0;                  ///< a square matrix product
};

/// The median seconds of `work` (synchronised on `device`) over repetitions filling about
/// `budget` seconds, at least 3 and at most 1000, after one untimed warm-up run.
double median_run_seconds(const std::function<void()>& work, c10::Device device, double budget);

/// Measures `dtype` (kFloat or kBFloat16) on `device`: a 3 x 3 convolution, 256 -> 256
/// channels, dilation 2, on [2, 256, 32, 32] channels-last (the shape of ResNet layer3 at output
/// stride 8 on two 256 x 256 images, where most of the step's operations are), forward and
/// backward, and a 2048 x 2048 matrix product. About `seconds` per measurement.
ComputeThroughput measure_compute_throughput(c10::Device device, c10::ScalarType dtype,
                                             double seconds = 1.0);

}  // namespace protoseg::core
