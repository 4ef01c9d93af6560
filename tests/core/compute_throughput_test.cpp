#include "protoseg/core/compute_throughput.h"

#include <gtest/gtest.h>

#include <cmath>

namespace protoseg::core {
namespace {

// The probe runs on this machine in both precisions and reports plausible rates: above
// 1 GFLOP/s (a convolution of 2.4 GFLOP finishing within seconds) and below 100 TFLOP/s.
TEST(ComputeThroughputTest, MeasuresPlausibleRatesInBothPrecisions) {
  for (const auto dtype : {c10::ScalarType::Float, c10::ScalarType::BFloat16}) {
    const ComputeThroughput t = measure_compute_throughput(c10::Device("cpu"), dtype, 0.05);
    for (const double rate : {t.convolution_forward, t.convolution_backward, t.gemm}) {
      EXPECT_TRUE(std::isfinite(rate)) << c10::toString(dtype);
      EXPECT_GT(rate, 1.0) << c10::toString(dtype);
      EXPECT_LT(rate, 1e5) << c10::toString(dtype);
    }
  }
}

}  // namespace
}  // namespace protoseg::core
