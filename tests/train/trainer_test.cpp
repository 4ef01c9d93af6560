#include "protoseg/train/trainer.h"

#include <fstream>

#include <gtest/gtest.h>
#include <torch/torch.h>
#include <nlohmann/json.hpp>

#include "expect_error.h"
#include "protoseg/config/load_config.h"
#include "protoseg/io/torch_state_dict.h"
#include "real_supervoxels.h"
#include "test_paths.h"

namespace protoseg::train {
namespace {

// A small but complete configuration: ResNet-18 at output stride 32 on 128 x 128 episodes.
TrainConfig small_config(int64_t steps) {
  TrainConfig config;
  config.steps = steps;
  config.encoder.weights = EncoderConfig::kNoWeights;
  config.encoder.depth = 18;
  config.encoder.output_stride = 32;
  config.episodes.image_size = 128;
  config.precision = "fp32";
  config.device = "cpu";
  config.checkpoint_every = 2;
  config.log_every = 1;
  config.workers = 2;
  return config;
}

std::vector<std::string> lines(const std::filesystem::path& file) {
  std::ifstream in(file);
  std::vector<std::string> out;
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

class TrainerRealDataTest : public ::testing::Test {
 protected:
  void SetUp() override {
    torch::manual_seed(0);
    dataset_ = testing::abd_mri_with_supervoxels();
  }
  data::DatasetConfig dataset_;
};

TEST_F(TrainerRealDataTest, ResumedRunEndsWithTheSameParameters) {
  const auto straight_dir = testing::fresh_temp_dir("straight");
  Trainer straight(small_config(4), dataset_, straight_dir);
  EXPECT_EQ(straight.run(false).steps_done, 4);

  // Interrupted before the first step, then stopped after 2 steps, then resumed to 4.
  const auto resumed_dir = testing::fresh_temp_dir("resumed");
  std::atomic<bool> stop{true};
  const TrainResult interrupted = Trainer(small_config(4), dataset_, resumed_dir).run(false, &stop);
  EXPECT_TRUE(interrupted.interrupted);
  EXPECT_EQ(interrupted.steps_done, 0);
  EXPECT_TRUE(std::filesystem::exists(resumed_dir / "checkpoint.pt"));
  Trainer(small_config(2), dataset_, resumed_dir).run(true);
  Trainer resumed(small_config(4), dataset_, resumed_dir);
  EXPECT_EQ(resumed.run(true).steps_done, 4);

  const auto a = io::read_torch_state_dict(straight_dir / "model.pth");
  const auto b = io::read_torch_state_dict(resumed_dir / "model.pth");
  ASSERT_EQ(a.size(), b.size());
  for (const auto& [name, tensor] : a) {
    EXPECT_TRUE(torch::equal(tensor, b.at(name))) << name;
  }
  // The metrics log holds each step once, in order.
  const auto rows = lines(resumed_dir / "metrics.jsonl");
  ASSERT_EQ(rows.size(), 4u);
  for (size_t i = 0; i < rows.size(); ++i) {
    const auto row = nlohmann::json::parse(rows[i]);
    EXPECT_EQ(row["step"].get<int64_t>(), static_cast<int64_t>(i + 1));
    for (const char* key : {"loss", "query_loss", "align_loss", "t_loss", "lr", "T_S", "sigma_F",
                            "sigma_B", "data_s", "forward_s", "backward_s", "optimizer_s"}) {
      EXPECT_TRUE(row.contains(key)) << key;
    }
  }
  const auto last = nlohmann::json::parse(rows.back());
  const auto straight_last = nlohmann::json::parse(lines(straight_dir / "metrics.jsonl").back());
  for (const char* key : {"loss", "T_S", "sigma_F", "sigma_B", "episode"}) {
    EXPECT_EQ(last[key], straight_last[key]) << key;
  }
}

TEST_F(TrainerRealDataTest, RefusesToOverwriteARunWithoutResume) {
  const auto dir = testing::fresh_temp_dir("run");
  Trainer(small_config(1), dataset_, dir).run(false);
  testing::expect_error<std::runtime_error>(
      [&] { Trainer(small_config(1), dataset_, dir).run(false); }, "exists: pass --resume");
}

TEST_F(TrainerRealDataTest, NonFiniteLossStopsWithTheStepAndKeepsTheCheckpoint) {
  const auto dir = testing::fresh_temp_dir("diverging");
  TrainConfig config = small_config(40);
  config.optimizer.lr = 1e12;
  config.optimizer.clip_grad_value = 0.0;
  config.optimizer.weight_decay = 0.0;
  testing::expect_error<std::runtime_error>([&] { Trainer(config, dataset_, dir).run(false); },
                                            "at step ", "the last checkpoint");
  EXPECT_FALSE(std::filesystem::exists(dir / "model.pth"));
}

TEST(TrainConfigTest, StrictErrorsNameTheKeys) {
  const auto dir = testing::fresh_temp_dir("config");
  std::ofstream(dir / "bad.yaml") << "dataset: data.yaml\nprecision: fp16\noptimizer:\n  lr: -1\n"
                                     "  momentun: 0.9\n";
  testing::expect_error<config::ConfigError>(
      [&] { config::load_config<TrainConfig>(dir / "bad.yaml"); },
      "'optimizer.momentun': unknown key");
  std::ofstream(dir / "range.yaml") << "dataset: data.yaml\nprecision: fp16\n";
  testing::expect_error<config::ConfigError>(
      [&] { config::load_config<TrainConfig>(dir / "range.yaml"); },
      "'precision': must be fp32, bf16 or auto");
  for (const char* shipped : {"abd_mri", "abd_mri_adnet", "abd_ct", "abd_ct_adnet"}) {
    const auto config = config::load_config<TrainConfig>(
        testing::source_path(std::string("configs/tpm/") + shipped + ".yaml"),
        {"encoder.weights=none"});
    EXPECT_EQ(config.encoder.depth, 101) << shipped;
    EXPECT_EQ(config.steps, 50000) << shipped;
  }
}

// A forgotten weights file must not silently train from random weights.
TEST(TrainConfigTest, EncoderWeightsMustBeNamedOrExplicitlyNone) {
  const auto file = testing::source_path("configs/tpm/abd_mri_cpu.yaml");
  testing::expect_error<config::ConfigError>([&] { config::load_config<TrainConfig>(file); },
                                             "'encoder.weights': is empty");
  EXPECT_TRUE(
      config::load_config<TrainConfig>(file, {"encoder.weights=none"}).encoder.random_weights());
  TrainConfig config;
  EXPECT_THROW(make_segmenter(config), std::invalid_argument);
}

}  // namespace
}  // namespace protoseg::train
