// train-tpm: self-supervised few-shot training of TPM or its ADNet baseline on supervoxels.
#include <atomic>
#include <filesystem>
#include <string>
#include <vector>

#include <spdlog/spdlog.h>
#include <CLI/CLI.hpp>

#include "protoseg/config/load_config.h"
#include "protoseg/core/cli_main.h"
#include "protoseg/core/device.h"
#include "protoseg/core/interrupt.h"
#include "protoseg/core/logging.h"
#include "protoseg/data/dataset_config.h"
#include "protoseg/dist/process_group.h"
#include "protoseg/train/train_config.h"
#include "protoseg/train/trainer.h"

namespace fs = std::filesystem;
using namespace protoseg;

int main(int argc, char** argv) {
  CLI::App app{"Train TPM (or the ADNet baseline) on self-supervised supervoxel episodes"};
  fs::path config_file;
  int fold = -1;
  int64_t seed = -1;
  int64_t steps = -1;
  fs::path out_dir;
  bool resume = false;
  std::vector<std::string> overrides, dataset_overrides;
  std::string log_level = "info";
  double dist_timeout_s = 1800;
  app.add_option("--config", config_file, "training YAML, e.g. configs/tpm/abd_mri.yaml")
      ->required();
  app.add_option("--fold", fold, "evaluation fold whose volumes are held out (default: config)");
  app.add_option("--seed", seed, "random seed (default: config, 2021)");
  app.add_option("--steps", steps, "training steps (default: config)");
  app.add_option("--out", out_dir, "run folder (default: runs/<config>/fold<F>_seed<S>)");
  app.add_flag("--resume", resume, "continue from <out>/checkpoint.pt");
  app.add_option("--set", overrides, "override a config key, e.g. --set optimizer.lr=5e-4");
  app.add_option("--dataset-set", dataset_overrides,
                 "override a dataset key, e.g. --dataset-set root=/data/abd_mri");
  app.add_option("--log-level", log_level, "trace, debug, info, warn, error");
  app.add_option("--dist-timeout", dist_timeout_s,
                 "seconds a collective may wait for the other ranks (multi-process runs)");
  CLI11_PARSE(app, argc, argv);

  return core::run_cli("train-tpm", [&] {
    if (fold >= 0) overrides.push_back("fold=" + std::to_string(fold));
    if (seed >= 0) overrides.push_back("seed=" + std::to_string(seed));
    if (steps >= 0) overrides.push_back("steps=" + std::to_string(steps));
    const auto config = config::load_config<train::TrainConfig>(config_file, overrides);
    const auto dataset =
        config::load_config<data::DatasetConfig>(config.dataset, dataset_overrides);
    if (out_dir.empty()) {
      out_dir = fs::path("runs") / config_file.stem() /
                ("fold" + std::to_string(config.fold) + "_seed" + std::to_string(config.seed));
    }
    // Multi-process when started by scripts/launch.sh, torchrun-style variables, or Slurm.
    const dist::DistributedEnv env = dist::DistributedEnv::from_environment();
    fs::create_directories(out_dir);
    if (env.rank == 0) {
      core::setup_logging(log_level, out_dir / "train.log");
      config::save_config(config, out_dir / "config.yaml");
      config::save_config(dataset, out_dir / "dataset.yaml");
    } else {
      core::setup_logging("warn", out_dir / ("train_rank" + std::to_string(env.rank) + ".log"));
    }
    spdlog::info("run folder {}", out_dir.string());
    const auto group = dist::ProcessGroup::create(
        env, core::resolve_device(config.device),
        std::chrono::milliseconds(static_cast<int64_t>(dist_timeout_s * 1000)));

    const std::atomic<bool>& stop_requested = core::stop_on_interrupt();
    train::Trainer trainer(config, dataset, out_dir, group);
    const train::TrainResult result = trainer.run(resume, &stop_requested);
    spdlog::info("{} steps in {:.1f} s", result.steps_done, result.seconds);
    return result.interrupted ? 130 : 0;
  });
}
