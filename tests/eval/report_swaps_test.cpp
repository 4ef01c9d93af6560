#include "protoseg/eval/report_swaps.h"

#include <algorithm>
#include <string>

#include <gtest/gtest.h>
#include <torch/torch.h>

namespace protoseg::eval {
namespace {

data::ImageReportSet set_of(const std::vector<std::string>& reports) {
  data::ImageReportSet set;
  for (size_t i = 0; i < reports.size(); ++i) {
    set.ids.push_back("image" + std::to_string(i));
    set.reports.push_back(reports[i]);
    set.has_report.push_back(!reports[i].empty());
  }
  const auto n = static_cast<int64_t>(reports.size());
  set.images = torch::arange(n, torch::kFloat).view({n, 1, 1, 1});
  set.masks = torch::zeros({n, 1, 1, 1});
  return set;
}

TEST(ReportSwapsTest, EveryImageGetsAnotherImagesReportAndNoneIsLost) {
  const data::ImageReportSet set = set_of({"a", "b", "", "d", "e", "f", "g"});
  std::mt19937_64 generator(3);
  const data::ImageReportSet swapped = with_reports_of_others(set, generator);
  ASSERT_EQ(swapped.size(), set.size());
  for (size_t i = 0; i < set.reports.size(); ++i) {
    EXPECT_NE(swapped.reports[i], set.reports[i]) << i;
    EXPECT_EQ(swapped.has_report[i], !swapped.reports[i].empty()) << i;
    EXPECT_EQ(swapped.ids[i], set.ids[i]);  // the images stay where they are
  }
  std::vector<std::string> before = set.reports, after = swapped.reports;
  std::sort(before.begin(), before.end());
  std::sort(after.begin(), after.end());
  EXPECT_EQ(after, before);  // a permutation of the reports
  EXPECT_TRUE(torch::equal(swapped.images, set.images));
}

TEST(ReportSwapsTest, ReportsFromTheNamedReferenceRows) {
  const data::ImageReportSet set = set_of({"own0", "own1", "own2"});
  const data::ImageReportSet references = set_of({"r0", "", "r2"});
  const data::ImageReportSet out =
      with_reports_from(set, references, torch::tensor({2, 2, 1}, torch::kLong));
  EXPECT_EQ(out.reports, (std::vector<std::string>{"r2", "r2", ""}));
  EXPECT_EQ(out.has_report, (std::vector<bool>{true, true, false}));
  EXPECT_EQ(out.ids, set.ids);
}

TEST(ReportSwapsTest, SourceRowsMustFitTheSetAndTheReferences) {
  const data::ImageReportSet set = set_of({"own0", "own1"});
  const data::ImageReportSet references = set_of({"r0", "r1"});
  EXPECT_THROW(with_reports_from(set, references, torch::tensor({0}, torch::kLong)),
               std::invalid_argument);
  try {
    with_reports_from(set, references, torch::tensor({0, 2}, torch::kLong));
    ADD_FAILURE() << "no error";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("source row 2 of image 1 is outside the 2 references"),
              std::string::npos)
        << e.what();
  }
}

}  // namespace
}  // namespace protoseg::eval
