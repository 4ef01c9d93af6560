#include "protoseg/core/logging.h"

#include <stdexcept>

#include <gtest/gtest.h>
#include <spdlog/spdlog.h>

#include "test_paths.h"

namespace protoseg::core {
namespace {

class LoggingTest : public ::testing::Test {
 protected:
  void TearDown() override { setup_logging("info"); }
};

TEST_F(LoggingTest, EachLineReachesTheFileWhileTheRunGoesOn) {
  const auto log_file = testing::fresh_temp_dir("logging_flush") / "train.log";
  setup_logging("info", log_file);
  spdlog::info("epoch 3: val Dice 0.71");
  EXPECT_NE(testing::read_text(log_file).find("epoch 3: val Dice 0.71"), std::string::npos);
}

TEST_F(LoggingTest, ALaterRunAppendsToTheSameLog) {
  const auto log_file = testing::fresh_temp_dir("logging_append") / "train.log";
  setup_logging("info", log_file);
  spdlog::info("first run");
  setup_logging("info", log_file);
  spdlog::info("resumed run");
  const std::string text = testing::read_text(log_file);
  EXPECT_NE(text.find("first run"), std::string::npos);
  EXPECT_NE(text.find("resumed run"), std::string::npos);
}

TEST_F(LoggingTest, UnknownLevelIsRejected) {
  EXPECT_THROW(setup_logging("loud"), std::invalid_argument);
}

}  // namespace
}  // namespace protoseg::core
