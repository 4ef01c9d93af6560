#include "protoseg/train/prolearn_pipeline.h"

#include <fstream>

#include <gtest/gtest.h>
#include <torch/torch.h>

#include "expect_error.h"
#include "protoseg/models/prolearn_segmenter.h"
#include "protoseg/train/psa_initialisation.h"
#include "test_paths.h"
#include "train/prolearn_test_data.h"

namespace protoseg::train {
namespace {

namespace fs = std::filesystem;

TEST(ProLearnPipelineTest, RealDataVocabTrainsAllStagesAndInfersWithoutText) {
  const fs::path dir = testing::fresh_temp_dir("prolearn_pipeline");
  const ProLearnConfig config = testing::tiny_prolearn_experiment(dir / "data");
  const fs::path run = dir / "run";
  ASSERT_TRUE(train_segmenter(config, SegmenterKind::kProLearn, run, /*resume=*/false));
  for (const char* file :
       {"config.yaml", "paired_subset.csv", "teacher/best.pt", "teacher/history.csv",
        "psa/prototypes.pt", "psa/samples.csv", "prolearn/best.pt", "prolearn/checkpoint.pt"}) {
    EXPECT_TRUE(fs::exists(run / file)) << file;
  }
  EXPECT_TRUE(SegmentationStage::finished(run / "prolearn"));
  const PsaPrototypes prototypes = load_prototypes(run / "psa");
  EXPECT_EQ(prototypes.rows.size(), 6U);  // half of 12 training images are paired
  EXPECT_GE(prototypes.queries.size(0), 1);
  EXPECT_EQ(prototypes.responses.sizes().slice(1), (std::vector<int64_t>{16, 16}));

  // A second call with --resume finds every stage finished and trains nothing.
  ASSERT_TRUE(train_segmenter(config, SegmenterKind::kProLearn, run, /*resume=*/true));
  // Without --resume an existing run is refused.
  EXPECT_THROW(train_segmenter(config, SegmenterKind::kProLearn, run, /*resume=*/false),
               std::runtime_error);

  // Inference reads no report: the same images with other reports, or none, give the same
  // logits.
  const text::WordPieceTokenizer tokenizer(config.data.vocab);
  Segmenter segmenter =
      build_segmenter(SegmenterKind::kProLearn, config, tokenizer, prototypes.queries.size(0));
  SegmentationStage::load_best(*segmenter.module, run / "prolearn");
  segmenter.module->eval();
  torch::NoGradGuard no_grad;
  data::ImageReportSet test =
      data::load_image_report_set(read_image_report_split(config.data, "test"), 32);
  const std::vector<int64_t> rows = {0, 1, 2, 3};
  const torch::Tensor with_reports = segmenter.bind(test)(test.images, rows, false);
  for (auto& report : test.reports) report = "bilateral upper right lung and something else.";
  const torch::Tensor other_reports = segmenter.bind(test)(test.images, rows, false);
  for (auto& report : test.reports) report.clear();
  const torch::Tensor no_reports = segmenter.bind(test)(test.images, rows, false);
  EXPECT_TRUE(torch::equal(with_reports, other_reports));
  EXPECT_TRUE(torch::equal(with_reports, no_reports));

  // The text-guided teacher, by contrast, depends on its reports.
  Segmenter teacher = build_segmenter(SegmenterKind::kGuideSeg, config, tokenizer);
  SegmentationStage::load_best(*teacher.module, run / "teacher");
  teacher.module->eval();
  data::ImageReportSet left = test, right = test;
  for (auto& report : left.reports) report = "lower left lung.";
  for (auto& report : right.reports) report = "upper right lung, all right lung.";
  EXPECT_FALSE(torch::equal(teacher.bind(left)(test.images, rows, false),
                            teacher.bind(right)(test.images, rows, false)));
}

TEST(ProLearnPipelineTest, RealDataVocabPairedImageWithoutReportIsNamed) {
  const fs::path dir = testing::fresh_temp_dir("prolearn_missing_report");
  ProLearnConfig config = testing::tiny_prolearn_experiment(dir / "data");
  config.text_fraction = 1.0;
  fs::remove(dir / "data" / "reports" / "x5.txt");
  testing::expect_error<std::runtime_error>(
      [&] { train_segmenter(config, SegmenterKind::kGuideSeg, dir / "run", false); },
      "x5 was drawn into the paired subset but has no report");
}

TEST(ProLearnPipelineTest, ParsesModelNames) {
  EXPECT_EQ(parse_segmenter_kind("image-only"), SegmenterKind::kImageOnly);
  EXPECT_EQ(stage_folder(parse_segmenter_kind("guideseg")), "teacher");
  EXPECT_THROW(parse_segmenter_kind("lvit"), std::invalid_argument);
}

}  // namespace
}  // namespace protoseg::train
