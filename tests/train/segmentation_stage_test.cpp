#include "protoseg/train/segmentation_stage.h"

#include <fstream>
#include <iterator>
#include <string>

#include <gtest/gtest.h>
#include <torch/torch.h>

#include "protoseg/core/threads.h"
#include "protoseg/models/language_guided_unet.h"
#include "protoseg/train/prolearn_pipeline.h"
#include "test_paths.h"
#include "train/prolearn_test_data.h"

namespace protoseg::train {
namespace {

namespace fs = std::filesystem;

struct ImageOnlyRun {
  models::LanguageGuidedUNet unet;
  SegmentationStageResult result;
};

/// Trains the tiny image-only U-Net for two epochs of three batches; with `stop_after` > 0 the
/// run is interrupted (as by Ctrl-C) after that many training batches.
ImageOnlyRun train_image_only(const ProLearnConfig& config, const data::ImageReportSet& train,
                              const data::ImageReportSet& val, const fs::path& dir, bool resume,
                              int stop_after = 0) {
  std::atomic<bool> stop{false};
  int batches = 0;
  torch::manual_seed(5);
  models::LanguageGuidedUNet unet(models::LanguageGuidedUNetOptions(18)
                                      .decoder_channels(config.model.decoder_channels)
                                      .guided(false)
                                      .channels_last(false));
  StageConfig stage_config = config.student;
  stage_config.epochs = 2;
  SegmentationStage stage("image-only", stage_config, dir, torch::kCPU, core::Precision::kFloat32,
                          7, data::RandomZoomOptions{0.9, 1.1, 0.5});
  const SegmentationForward forward = [&](const torch::Tensor& images, const std::vector<int64_t>&,
                                          bool training) {
    if (training && ++batches == stop_after) stop = true;
    return unet->forward(images);
  };
  std::vector<int64_t> rows(static_cast<size_t>(train.size()));
  std::iota(rows.begin(), rows.end(), 0);
  auto result =
      stage.run(*unet, unet->parameters(), forward, train, rows, forward, val, resume, &stop);
  return {unet, result};
}

TEST(SegmentationStageTest, RealDataVocabInterruptedRunResumesToTheSameModel) {
  core::configure_threads(1);  // one thread: bitwise repeatable float sums
  const fs::path dir = testing::fresh_temp_dir("segmentation_stage");
  const ProLearnConfig config = testing::tiny_prolearn_experiment(dir / "data");
  const auto train = data::load_image_report_set(read_image_report_split(config.data, "train"), 32);
  const auto val = data::load_image_report_set(read_image_report_split(config.data, "val"), 32);

  const ImageOnlyRun straight = train_image_only(config, train, val, dir / "straight", false);
  EXPECT_FALSE(straight.result.interrupted);
  EXPECT_EQ(straight.result.epochs_done, 2);
  std::ifstream history(dir / "straight" / "history.csv");
  std::string line;
  int lines = 0;
  while (std::getline(history, line)) ++lines;
  EXPECT_EQ(lines, 3);  // header + 2 epochs
  // The epochs' phase times are TensorBoard scalars beside the loss and Dice.
  std::string events;
  for (const auto& entry : fs::directory_iterator(dir / "straight")) {
    if (entry.path().filename().string().rfind("events.out.tfevents", 0) != 0) continue;
    std::ifstream file(entry.path(), std::ios::binary);
    events.assign(std::istreambuf_iterator<char>(file), std::istreambuf_iterator<char>());
  }
  for (const char* tag :
       {"train/epoch_seconds", "time/data_seconds", "time/forward_seconds", "time/backward_seconds",
        "time/update_seconds", "time/validation_seconds"}) {
    EXPECT_NE(events.find(tag), std::string::npos) << tag;
  }

  // Interrupt in the middle of the second epoch, resume, and end where the straight run ended.
  const ImageOnlyRun stopped = train_image_only(config, train, val, dir / "resumed", false, 4);
  EXPECT_TRUE(stopped.result.interrupted);
  EXPECT_TRUE(fs::exists(dir / "resumed" / "checkpoint.pt"));
  EXPECT_FALSE(SegmentationStage::finished(dir / "resumed"));
  EXPECT_EQ(stopped.result.epochs_done, 1);
  EXPECT_THROW(train_image_only(config, train, val, dir / "resumed", false),
               std::runtime_error);  // an existing checkpoint needs resume
  const ImageOnlyRun resumed = train_image_only(config, train, val, dir / "resumed", true);
  EXPECT_FALSE(resumed.result.interrupted);
  const auto a = straight.unet->parameters();
  const auto b = resumed.unet->parameters();
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i) EXPECT_TRUE(torch::allclose(a[i], b[i], 1e-5, 1e-6));
  EXPECT_DOUBLE_EQ(straight.result.best_dice, resumed.result.best_dice);
  core::configure_threads(0);
}

}  // namespace
}  // namespace protoseg::train
