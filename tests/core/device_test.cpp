#include "protoseg/core/device.h"

#include <stdexcept>

#include <gtest/gtest.h>
#include <torch/cuda.h>

#include "expect_error.h"

namespace protoseg::core {
namespace {

TEST(DeviceTest, CpuAndAutoResolve) {
  EXPECT_EQ(resolve_device("cpu"), c10::Device(c10::kCPU));
  const auto expected = torch::cuda::is_available() ? c10::kCUDA : c10::kCPU;
  EXPECT_EQ(resolve_device("auto").type(), expected);
}

TEST(DeviceTest, UnknownRequestIsRejected) {
  try {
    resolve_device("tpu");
    FAIL() << "expected std::invalid_argument";
  } catch (const std::invalid_argument& e) {
    EXPECT_STREQ(e.what(), "device 'tpu': expected cpu, cuda, cuda:N or auto");
  }
}

TEST(DeviceTest, CudaWithoutCudaIsAClearError) {
  if (torch::cuda::is_available()) GTEST_SKIP() << "CUDA is available on this machine";
  testing::expect_error<std::runtime_error>([&] { resolve_device("cuda"); },
                                            "CUDA is not available");
}

TEST(DeviceTest, CudaResolvesWhenPresent) {
  if (!torch::cuda::is_available()) GTEST_SKIP() << "no CUDA device";
  EXPECT_EQ(resolve_device("cuda").type(), c10::kCUDA);
}

}  // namespace
}  // namespace protoseg::core
