#include "protoseg/core/phase_clock.h"

#include <chrono>
#include <string>
#include <thread>

#include <gtest/gtest.h>

namespace protoseg::core {
namespace {

void sleep_ms(int ms) { std::this_thread::sleep_for(std::chrono::milliseconds(ms)); }

TEST(PhaseClockTest, LapsAddUpPerPhaseInFirstLappedOrder) {
  PhaseClock clock;
  for (int step = 0; step < 2; ++step) {
    sleep_ms(5);
    clock.lap("data");
    sleep_ms(30);
    clock.lap("forward");
  }
  ASSERT_EQ(clock.totals().size(), 2U);
  EXPECT_EQ(clock.totals()[0].first, "data");
  EXPECT_EQ(clock.totals()[1].first, "forward");
  EXPECT_GE(clock.totals()[0].second, 0.010);
  EXPECT_GE(clock.totals()[1].second, 0.060);
  EXPECT_GT(clock.totals()[1].second, clock.totals()[0].second);
}

TEST(PhaseClockTest, RestartChargesTheGapToNoPhase) {
  PhaseClock clock;
  sleep_ms(40);
  clock.restart();
  clock.lap("update");
  ASSERT_EQ(clock.totals().size(), 1U);
  EXPECT_LT(clock.totals()[0].second, 0.030);
}

TEST(PhaseClockTest, SummaryGivesSecondsAndShares) {
  PhaseClock clock;
  sleep_ms(20);
  clock.lap("forward");
  clock.lap("update");
  const std::string text = clock.summary();
  EXPECT_NE(text.find("forward "), std::string::npos) << text;
  EXPECT_NE(text.find(" s ("), std::string::npos) << text;
  EXPECT_NE(text.find(", update "), std::string::npos) << text;
  EXPECT_NE(text.find(" %), update "), std::string::npos) << text;
  clock.clear();
  EXPECT_TRUE(clock.totals().empty());
  EXPECT_EQ(clock.summary(), "");
}

}  // namespace
}  // namespace protoseg::core
