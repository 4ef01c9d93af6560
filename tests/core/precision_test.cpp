#include "protoseg/core/precision.h"

#include <stdexcept>

#include <gtest/gtest.h>

namespace protoseg::core {
namespace {

TEST(PrecisionTest, AutoIsFp32OnCudaAndNativeBf16OnCpu) {
  // Resolving needs no GPU: the device is only a description here.
  EXPECT_EQ(resolve_precision("auto", c10::Device(c10::kCUDA, 0)), Precision::kFloat32);
  EXPECT_EQ(resolve_precision("auto", c10::Device(c10::kCPU)),
            cpu_has_native_bf16() ? Precision::kBFloat16 : Precision::kFloat32);
}

TEST(PrecisionTest, ExplicitRequestsWinAndUnknownOnesAreErrors) {
  for (const c10::Device device : {c10::Device(c10::kCPU), c10::Device(c10::kCUDA, 0)}) {
    EXPECT_EQ(resolve_precision("fp32", device), Precision::kFloat32);
    EXPECT_EQ(resolve_precision("bf16", device), Precision::kBFloat16);
  }
  EXPECT_THROW(resolve_precision("fp16", c10::Device(c10::kCPU)), std::invalid_argument);
  EXPECT_EQ(to_string(Precision::kBFloat16), "bf16");
  EXPECT_EQ(to_string(Precision::kFloat32), "fp32");
}

}  // namespace
}  // namespace protoseg::core
