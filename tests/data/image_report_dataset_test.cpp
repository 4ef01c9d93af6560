#include "protoseg/data/image_report_dataset.h"

#include <fstream>

#include <gtest/gtest.h>
#include <torch/torch.h>

#include "protoseg/io/image2d_io.h"
#include "test_paths.h"

namespace protoseg::data {
namespace {

namespace fs = std::filesystem;

std::string error_of(const std::function<void()>& action) {
  try {
    action();
  } catch (const std::exception& error) {
    return error.what();
  }
  return "";
}

/// A two-image ProLearn-layout folder; `mask_size` of the second mask can differ.
fs::path write_tiny_layout(const std::string& name, int64_t mask_size = 16) {
  const fs::path root = testing::fresh_temp_dir(name);
  for (const char* sub : {"images", "masks", "reports"}) fs::create_directories(root / sub);
  torch::manual_seed(3);
  for (const std::string id : {"a", "b"}) {
    const torch::Tensor image = torch::randint(0, 255, {16, 16}).to(torch::kUInt8);
    const int64_t size = id == "b" ? mask_size : 16;
    torch::Tensor mask = torch::zeros({size, size}, torch::kUInt8);
    mask.slice(0, 4, 8).slice(1, 4, 8).fill_(255);
    io::write_image(image, root / "images" / (id + ".png"));
    io::write_image(mask, root / "masks" / (id + ".png"));
    std::ofstream(root / "reports" / (id + ".txt")) << "lower left lung.\n";
  }
  std::ofstream(root / "split.json") << R"({"train": ["a", "b"], "val": [], "test": ["b"]})";
  return root;
}

TEST(ImageReportDatasetTest, RealDataReadsTheSharedQataSplits) {
  const fs::path root = testing::shared_data("qata_cov19");
  EXPECT_EQ(read_prolearn_split(root, "train").size(), 3000U);
  EXPECT_EQ(read_prolearn_split(root, "val").size(), 400U);
  const std::vector<ImageReportRecord> test = read_prolearn_split(root, "test");
  ASSERT_EQ(test.size(), 700U);
  ASSERT_TRUE(test[0].report.has_value());
  EXPECT_NE(test[0].report->find("lung"), std::string::npos);

  const std::vector<ImageReportRecord> few(test.begin(), test.begin() + 4);
  const ImageReportSet set = load_image_report_set(few, 112);
  EXPECT_EQ(set.images.sizes(), (std::vector<int64_t>{4, 1, 112, 112}));
  EXPECT_NEAR(set.images[0].mean().item<double>(), 0.0, 1e-4);
  EXPECT_NEAR(set.images[0].std(/*unbiased=*/false).item<double>(), 1.0, 1e-4);
  EXPECT_TRUE(torch::all(set.masks.eq(0).logical_or(set.masks.eq(1))).item<bool>());
  EXPECT_GT(set.masks.sum().item<double>(), 0.0);  // QaTa test images all have lesions
  EXPECT_EQ(set.reports[0], *test[0].report);
}

TEST(ImageReportDatasetTest, BadLayoutsAreNamed) {
  const fs::path root = write_tiny_layout("qata_bad");
  EXPECT_NE(error_of([&] { read_prolearn_split(root, "val"); }).find("'val' is empty"),
            std::string::npos);
  EXPECT_NE(error_of([&] { read_prolearn_split(root, "dev"); }).find("no list named 'dev'"),
            std::string::npos);
  fs::remove(root / "reports" / "b.txt");  // an image without a report is fine here
  const auto records = read_prolearn_split(root, "train");
  EXPECT_TRUE(records[0].report.has_value());
  EXPECT_FALSE(records[1].report.has_value());
  std::ofstream(root / "reports" / "b.txt") << "  \n";
  const std::string empty = error_of([&] { read_prolearn_split(root, "train"); });
  EXPECT_NE(empty.find("report is empty"), std::string::npos) << empty;
  fs::remove(root / "masks" / "a.png");
  const std::string missing = error_of([&] { read_prolearn_split(root, "train"); });
  EXPECT_NE(missing.find("mask of a not found"), std::string::npos) << missing;
}

TEST(ImageReportDatasetTest, MaskOfAnotherSizeIsRejected) {
  const fs::path root = write_tiny_layout("qata_mismatch", /*mask_size=*/12);
  const std::vector<ImageReportRecord> records = read_prolearn_split(root, "train");
  const std::string error = error_of([&] { load_image_report_set(records, 16); });
  EXPECT_NE(error.find("is 16 x 16 but its mask"), std::string::npos) << error;
  EXPECT_NE(error.find("b.png"), std::string::npos) << error;
}

TEST(ImageReportDatasetTest, ReadsAGuideSegManifestWithQuotedReports) {
  const fs::path root = write_tiny_layout("qata_manifest");
  fs::rename(root / "masks" / "a.png", root / "masks" / "mask_a.png");
  std::ofstream(root / "train.csv")
      << "Image,Description\n"
      << "mask_a.png,\"Bilateral infection, lower \"\"left\"\" lung.\"\n";
  const auto records = read_report_manifest(root / "train.csv", root / "images", root / "masks");
  ASSERT_EQ(records.size(), 1U);
  EXPECT_EQ(records[0].id, "a");
  EXPECT_EQ(records[0].image, root / "images" / "a.png");
  EXPECT_EQ(*records[0].report, "Bilateral infection, lower \"left\" lung.");

  std::ofstream(root / "bad.csv") << "Image,Text\nmask_a.png,x\n";
  EXPECT_NE(error_of([&] {
              read_report_manifest(root / "bad.csv", root, root);
            }).find("needs the columns Image and Description"),
            std::string::npos);
}

}  // namespace
}  // namespace protoseg::data
