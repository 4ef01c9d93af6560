#include <gtest/gtest.h>
#include <torch/torch.h>

#include "protoseg/core/allocator.h"
#include "protoseg/core/threads.h"

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  protoseg::core::retain_freed_memory();
  protoseg::core::configure_threads(0);
  return RUN_ALL_TESTS();
}
