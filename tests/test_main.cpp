#include <gtest/gtest.h>
#include <torch/torch.h>

#include "protoseg/core/threads.h"

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  protoseg::core::configure_threads(0);
  return RUN_ALL_TESTS();
}
