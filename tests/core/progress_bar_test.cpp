#include "protoseg/core/progress_bar.h"

#include <sstream>

#include <gtest/gtest.h>

namespace protoseg::core {
namespace {

TEST(ProgressBarTest, FormatsDurations) {
  EXPECT_EQ(ProgressBar::format_duration(42.2), "42s");
  EXPECT_EQ(ProgressBar::format_duration(187), "3m07s");
  EXPECT_EQ(ProgressBar::format_duration(7500), "2h05m");
}

TEST(ProgressBarTest, PipedOutputShowsCountsEtaAndStatus) {
  std::ostringstream out;
  ProgressBar bar("steps", 10, out, /*min_interval_s=*/0.0);
  bar.update(3, "loss 0.5");
  bar.finish("done");
  const std::string text = out.str();
  EXPECT_NE(text.find("steps ["), std::string::npos) << text;
  EXPECT_NE(text.find("3/10 30%"), std::string::npos) << text;
  EXPECT_NE(text.find("ETA"), std::string::npos) << text;
  EXPECT_NE(text.find("| loss 0.5"), std::string::npos) << text;
  EXPECT_NE(text.find("10/10 100%"), std::string::npos) << text;
  EXPECT_NE(text.find("| done"), std::string::npos) << text;
}

}  // namespace
}  // namespace protoseg::core
