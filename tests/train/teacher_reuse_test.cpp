#include "protoseg/train/teacher_reuse.h"

#include <gtest/gtest.h>

#include "expect_error.h"
#include "protoseg/config/load_config.h"
#include "protoseg/train/prolearn_pipeline.h"
#include "protoseg/train/segmentation_stage.h"
#include "test_paths.h"
#include "train/prolearn_test_data.h"

namespace protoseg::train {
namespace {

namespace fs = std::filesystem;

TEST(TeacherReuseTest, SignatureHoldsWhatShapesTheTeacherOnly) {
  ProLearnConfig base;
  base.data.root = "/data/qata";
  const std::string signature = teacher_signature(base);
  EXPECT_NE(signature.find("model.guide_scale: "), std::string::npos) << signature;
  EXPECT_NE(signature.find("teacher.epochs: "), std::string::npos) << signature;
  EXPECT_EQ(signature.find("psa."), std::string::npos) << signature;

  ProLearnConfig other = base;  // PSA, student, threads and device leave the teacher alone
  other.psa.top_k = 8;
  other.student.epochs = 3;
  other.threads = 1;
  other.device = "cpu";
  other.teacher_from = "/runs/base";
  EXPECT_EQ(teacher_signature(other), signature);
  other.data.root = "/data/../data/./qata";  // the same folder written another way
  EXPECT_EQ(teacher_signature(other), signature);
  for (auto change : std::vector<std::function<void(ProLearnConfig&)>>{
           [](ProLearnConfig& c) { c.seed = 43; },
           [](ProLearnConfig& c) { c.text_fraction = 0.01; },
           [](ProLearnConfig& c) { c.model.guide_scale = 1.0; },
           [](ProLearnConfig& c) { c.teacher.epochs = 9; },
           [](ProLearnConfig& c) { c.data.image_size = 64; }}) {
    ProLearnConfig changed = base;
    change(changed);
    EXPECT_NE(teacher_signature(changed), signature);
  }
}

TEST(TeacherReuseTest, WithoutAFinishedSourceTheRunTrainsItsOwn) {
  const fs::path dir = testing::fresh_temp_dir("teacher_reuse_none");
  ProLearnConfig config;
  config.data.root = dir / "data";
  EXPECT_FALSE(adopt_teacher(config, dir / "run"));  // no teacher_from
  config.teacher_from = dir / "nothing_here";
  EXPECT_FALSE(adopt_teacher(config, dir / "run"));
  fs::create_directories(dir / "started" / "teacher");  // a run whose teacher is still training
  config::save_config(config, dir / "started" / "config.yaml");
  config.teacher_from = dir / "started";
  EXPECT_FALSE(adopt_teacher(config, dir / "run"));
  EXPECT_FALSE(fs::exists(dir / "run" / "teacher"));
  EXPECT_FALSE(has_adopted_teacher(dir / "run"));
}

TEST(TeacherReuseTest, RealDataVocabAdoptsAFinishedTeacherWithTheSameSettings) {
  const fs::path dir = testing::fresh_temp_dir("teacher_reuse");
  ProLearnConfig config = testing::tiny_prolearn_experiment(dir / "data");
  ASSERT_TRUE(train_segmenter(config, SegmenterKind::kGuideSeg, dir / "source", false));

  // A PSA ablation of the same teacher: the teacher is copied, the PSA and student trained.
  ProLearnConfig ablation = config;
  ablation.psa.top_k = 1;
  ablation.teacher_from = dir / "source";
  ASSERT_TRUE(train_segmenter(ablation, SegmenterKind::kProLearn, dir / "ablation", false));
  EXPECT_TRUE(has_adopted_teacher(dir / "ablation"));
  EXPECT_EQ(testing::read_text(dir / "ablation" / "teacher" / "best.pt"),
            testing::read_text(dir / "source" / "teacher" / "best.pt"));
  EXPECT_EQ(testing::read_text(dir / "ablation" / "teacher" / "history.csv"),
            testing::read_text(dir / "source" / "teacher" / "history.csv"));
  EXPECT_TRUE(SegmentationStage::finished(dir / "ablation" / "prolearn"));
  // Resuming keeps the adopted teacher and trains nothing more.
  ASSERT_TRUE(train_segmenter(ablation, SegmenterKind::kProLearn, dir / "ablation", true));

  // Another seed would have trained another teacher: refused, naming the setting.
  ProLearnConfig other_seed = ablation;
  other_seed.seed = config.seed + 1;
  testing::expect_error<std::runtime_error>(
      [&] { train_segmenter(other_seed, SegmenterKind::kProLearn, dir / "other_seed", false); },
      (dir / "source" / "config.yaml").string(), "seed: " + std::to_string(config.seed));
  EXPECT_FALSE(fs::exists(dir / "other_seed" / "teacher"));
}

}  // namespace
}  // namespace protoseg::train
