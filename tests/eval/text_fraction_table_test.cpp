#include "protoseg/eval/text_fraction_table.h"

#include <fstream>

#include <gtest/gtest.h>

#include "expect_error.h"
#include "test_paths.h"

namespace protoseg::eval {
namespace {

namespace fs = std::filesystem;

void write_run(const fs::path& run, double fraction, const std::string& model, double dice) {
  fs::create_directories(run / ("eval_" + model + "_test"));
  std::ofstream(run / "config.yaml") << "text_fraction: " << fraction << "\n";
  std::ofstream(run / ("eval_" + model + "_test") / "metrics.json")
      << "{\"images\": 700, \"mean_dice\": " << dice << ", \"mean_iou\": " << dice - 0.1
      << ", \"micro_dice\": " << dice + 0.01 << ", \"micro_iou\": " << dice - 0.09 << "}";
}

TEST(TextFractionTableTest, OneRowPerFractionWithTheImageOnlyBaselineRepeated) {
  const fs::path root = testing::fresh_temp_dir("text_fraction_table");
  write_run(root / "text1", 0.01, "prolearn", 0.70);
  write_run(root / "text1", 0.01, "guideseg", 0.55);
  write_run(root / "text50", 0.5, "prolearn", 0.75);
  write_run(root / "image_only", 0.5, "image-only", 0.68);
  const auto entries = collect_text_fraction_entries(root, "test");
  ASSERT_EQ(entries.size(), 4U);
  const std::string table = text_fraction_markdown(entries);
  EXPECT_NE(table.find("| 50 % | 0.7500 | 0.6500 | - | - | 0.6800 | 0.5800 |"), std::string::npos)
      << table;
  EXPECT_NE(table.find("| 1 % | 0.7000 | 0.6000 | 0.5500 | 0.4500 | 0.6800 | 0.5800 |"),
            std::string::npos)
      << table;
  EXPECT_LT(table.find("| 50 %"), table.find("| 1 %"));  // descending fractions
  EXPECT_NE(text_fraction_csv(entries).find("0.01,guideseg,test,700,0.550000"), std::string::npos);
}

void write_per_image(const fs::path& run, const std::string& model, double first, double second) {
  std::ofstream(run / ("eval_" + model + "_test") / "per_image.csv")
      << "id,dice,iou,predicted_pixels,true_pixels,overlap_pixels\n"
      << "a," << first << ",0,0,0,0\nb," << second << ",0,0,0,0\n";
}

TEST(TextFractionTableTest, PairedDifferencesAgainstImageOnlyAndTheLargestFraction) {
  const fs::path root = testing::fresh_temp_dir("text_fraction_paired");
  write_run(root / "text1", 0.01, "prolearn", 0.70);
  write_per_image(root / "text1", "prolearn", 0.6, 0.8);
  write_run(root / "text1", 0.01, "guideseg", 0.55);  // no per_image.csv: "-"
  write_run(root / "text50", 0.5, "prolearn", 0.75);
  write_per_image(root / "text50", "prolearn", 0.8, 0.7);
  write_run(root / "image_only", 0.5, "image-only", 0.68);
  write_per_image(root / "image_only", "image-only", 0.5, 0.6);
  const std::string table =
      text_fraction_comparisons_markdown(collect_text_fraction_entries(root, "test"));
  // 1 %: ProLearn - image-only = (0.1, 0.2): mean 0.15, standard error 0.05;
  //      ProLearn - ProLearn 50 % = (-0.2, 0.1): mean -0.05, standard error 0.15.
  EXPECT_NE(table.find("| 1 % | +0.1500 +- 0.0500 | - | -0.0500 +- 0.1500 |"), std::string::npos)
      << table;
  EXPECT_NE(table.find("| 50 % | +0.2000 +- 0.1000 | - | +0.0000 +- 0.0000 |"), std::string::npos)
      << table;
}

TEST(TextFractionTableTest, ModelsScoredOnDifferentImagesAreNamed) {
  const fs::path root = testing::fresh_temp_dir("text_fraction_mismatch");
  write_run(root / "text1", 0.01, "prolearn", 0.70);
  write_per_image(root / "text1", "prolearn", 0.6, 0.8);
  write_run(root / "image_only", 0.5, "image-only", 0.68);
  std::ofstream(root / "image_only" / "eval_image-only_test" / "per_image.csv")
      << "id,dice,iou,predicted_pixels,true_pixels,overlap_pixels\nc,0.5,0,0,0,0\n";
  const auto entries = collect_text_fraction_entries(root, "test");
  testing::expect_error<std::invalid_argument>([&] { text_fraction_comparisons_markdown(entries); },
                                               "ProLearn 1 % - image-only");
}

TEST(TextFractionTableTest, BrokenMetricsFileIsNamed) {
  const fs::path root = testing::fresh_temp_dir("text_fraction_broken");
  write_run(root / "text5", 0.05, "prolearn", 0.7);
  std::ofstream(root / "text5" / "eval_prolearn_test" / "metrics.json") << "{\"images\": ";
  testing::expect_error<std::runtime_error>([&] { collect_text_fraction_entries(root, "test"); },
                                            "metrics.json");
}

}  // namespace
}  // namespace protoseg::eval
