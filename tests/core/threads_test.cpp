#include "protoseg/core/threads.h"

#include <dlfcn.h>

#include <gtest/gtest.h>

#include <ATen/Parallel.h>

namespace protoseg::core {
namespace {

// Restores the thread counts a test changed, so later tests run as configured.
class ThreadsTest : public ::testing::Test {
 protected:
  void TearDown() override { configure_threads(saved_); }
  int saved_ = at::get_num_threads();
};

int openblas_threads() {
  using GetThreads = int (*)();
  auto get = reinterpret_cast<GetThreads>(dlsym(RTLD_DEFAULT, "openblas_get_num_threads"));
  return get == nullptr ? -1 : get();
}

TEST_F(ThreadsTest, OneThreadReachesLibTorchAndOpenBlas) {
  EXPECT_EQ(configure_threads(1), 1);
  EXPECT_EQ(at::get_num_threads(), 1);
  if (openblas_threads() < 0) GTEST_SKIP() << "this LibTorch does not use OpenBLAS";
  EXPECT_EQ(openblas_threads(), 1);
}

TEST_F(ThreadsTest, DefaultIsEveryHardwareThread) {
  EXPECT_EQ(configure_threads(0), hardware_threads());
  if (openblas_threads() < 0) GTEST_SKIP() << "this LibTorch does not use OpenBLAS";
  EXPECT_EQ(openblas_threads(), hardware_threads());
}

TEST_F(ThreadsTest, BlasThreadsReportWhetherOpenBlasWasConfigured) {
  EXPECT_EQ(configure_blas_threads(1), openblas_threads() >= 0);
}

}  // namespace
}  // namespace protoseg::core
