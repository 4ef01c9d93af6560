#include "protoseg/core/progress_bar.h"

#include <chrono>
#include <sstream>
#include <string>
#include <thread>

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

TEST(ProgressBarTest, ResumedItemsDoNotCountTowardsTheRate) {
  std::ostringstream out;
  ProgressBar bar("steps", 1000, out, /*min_interval_s=*/0.0);
  bar.skip_to(900, "resumed");
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  bar.update(901);
  // One item took about 50 ms, so 99 more need about 5 s; counting the 900 resumed items as
  // work would give a rate near 0 s/it and an ETA of 0 s.
  const std::string text = out.str();
  EXPECT_NE(text.find("900/1000 90% | resumed"), std::string::npos) << text;
  const size_t eta = text.rfind("ETA ");
  ASSERT_NE(eta, std::string::npos) << text;
  EXPECT_GE(std::stoi(text.substr(eta + 4)), 4) << text;
}

TEST(ProgressBarTest, StoppedBarKeepsItsCount) {
  std::ostringstream out;
  ProgressBar bar("steps", 10, out, /*min_interval_s=*/0.0);
  bar.update(4);
  bar.stop("interrupted at step 4");
  const std::string text = out.str();
  EXPECT_NE(text.find("4/10 40%"), std::string::npos) << text;
  EXPECT_NE(text.find("total"), std::string::npos) << text;
  EXPECT_EQ(text.find("10/10"), std::string::npos) << text;
}

}  // namespace
}  // namespace protoseg::core
