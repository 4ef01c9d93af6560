#include "protoseg/eval/report_location.h"

#include <gtest/gtest.h>

namespace protoseg::eval {
namespace {

TEST(ReportLocationTest, BothLungsWithZones) {
  const ReportLocation location = parse_report_location(
      "bilateral pulmonary infection, three infected areas, upper middle lower left lung and "
      "lower right lung.");
  EXPECT_EQ(location.left_zones, 7);
  EXPECT_EQ(location.right_zones, 4);
  EXPECT_EQ(location.areas, 3);
  EXPECT_EQ(location.laterality(), "both");
  EXPECT_EQ(location.zones(), "L:all R:lower");
}

TEST(ReportLocationTest, OneLungAndTheWordAll) {
  const ReportLocation right = parse_report_location(
      "Unilateral pulmonary infection, one infected area, middle right lung.");
  EXPECT_EQ(right.left_zones, 0);
  EXPECT_EQ(right.right_zones, 2);
  EXPECT_EQ(right.areas, 1);
  EXPECT_EQ(right.laterality(), "right");
  EXPECT_EQ(right.zones(), "L:- R:middle");
  const ReportLocation all =
      parse_report_location("unilateral pulmonary infection, two infected areas, all left lung.");
  EXPECT_EQ(all.left_zones, 7);
  EXPECT_EQ(all.laterality(), "left");
  EXPECT_EQ(all.areas, 2);
  EXPECT_EQ(parse_report_location("upper lower left lung").zones(), "L:upper+lower R:-");
}

TEST(ReportLocationTest, ALungWithoutZonesIsAllOfItAndNoLungIsNone) {
  EXPECT_EQ(parse_report_location("infection of the left lung").left_zones, 7);
  const ReportLocation nothing = parse_report_location("no finding");
  EXPECT_EQ(nothing.laterality(), "none");
  EXPECT_EQ(nothing.areas, -1);
  EXPECT_EQ(nothing.zones(), "L:- R:-");
  // "left" not followed by "lung" names no lung.
  EXPECT_EQ(parse_report_location("left unchanged").laterality(), "none");
}

TEST(ReportLocationTest, BestMatchingReportPrefersZonesAndAreasThenZonesThenLaterality) {
  const std::string own = "Unilateral pulmonary infection, two infected areas, lower left lung.";
  const std::vector<std::string> candidates = {
      "Unilateral pulmonary infection, one infected area, upper right lung.",   // nothing shared
      "Unilateral pulmonary infection, one infected area, upper left lung.",    // laterality
      "Unilateral pulmonary infection, one infected area, lower left lung.",    // zones
      "Unilateral pulmonary infection, two infected areas, lower left lung.",   // zones and areas
      "Unilateral pulmonary infection, two infected areas, lower left lung."};  // the same, later
  EXPECT_EQ(best_matching_report(own, candidates, -1), 3);
  EXPECT_EQ(best_matching_report(own, {candidates[0], candidates[1], candidates[2]}, -1), 2);
  EXPECT_EQ(best_matching_report(own, {candidates[0], candidates[1]}, -1), 1);
  EXPECT_EQ(best_matching_report(own, {candidates[0]}, 7), 7);
  EXPECT_EQ(best_matching_report(own, {}, 5), 5);
}

}  // namespace
}  // namespace protoseg::eval
