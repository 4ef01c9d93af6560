// prolearn-train: the text-fraction experiment of ProLearn: the text-guided teacher on the
// paired subset, PSA initialisation, then ProLearn on all images; or one of the baselines.
#include <atomic>
#include <filesystem>
#include <iomanip>
#include <sstream>
#include <string>
#include <vector>

#include <spdlog/spdlog.h>
#include <CLI/CLI.hpp>

#include "protoseg/config/load_config.h"
#include "protoseg/core/cli_main.h"
#include "protoseg/core/device.h"
#include "protoseg/core/interrupt.h"
#include "protoseg/core/logging.h"
#include "protoseg/dist/process_group.h"
#include "protoseg/train/prolearn_config.h"
#include "protoseg/train/prolearn_pipeline.h"

namespace fs = std::filesystem;
using namespace protoseg;

int main(int argc, char** argv) {
  CLI::App app{"Train ProLearn (or a baseline) with a fraction of the reports"};
  fs::path config_file, out_dir;
  double text_fraction = -1;
  std::string model = "prolearn";
  bool resume = false;
  std::vector<std::string> overrides;
  std::string log_level = "info";
  double dist_timeout_s = 1800;
  app.add_option("--config", config_file, "experiment YAML, e.g. configs/prolearn/qata.yaml")
      ->required();
  app.add_option(
      "--text-fraction", text_fraction,
      "fraction of training images that keep their reports, e.g. 0.01 (default: config)");
  app.add_option("--model", model, "prolearn (default), guideseg or image-only");
  app.add_option("--out", out_dir, "run folder (default: runs/<config>/text<percent>)");
  app.add_flag("--resume", resume, "continue the stages already started in --out");
  app.add_option("--set", overrides, "override a config key, e.g. --set student.epochs=5");
  app.add_option("--log-level", log_level, "trace, debug, info, warn, error");
  app.add_option("--dist-timeout", dist_timeout_s,
                 "seconds a collective may wait for the other ranks (multi-process runs)");
  CLI11_PARSE(app, argc, argv);

  return core::run_cli("prolearn-train", [&] {
    if (text_fraction >= 0) {
      std::ostringstream value;
      value << std::setprecision(17) << text_fraction;
      overrides.push_back("text_fraction=" + value.str());
    }
    const auto config = config::load_config<train::ProLearnConfig>(config_file, overrides);
    const train::SegmenterKind kind = train::parse_segmenter_kind(model);
    if (out_dir.empty()) {
      std::ostringstream name;
      name << "text" << std::setprecision(4) << config.text_fraction * 100;
      out_dir = fs::path("runs") / config_file.stem() / name.str();
    }
    // Multi-process when started by scripts/launch.sh, torchrun-style variables, or Slurm.
    const dist::DistributedEnv env = dist::DistributedEnv::from_environment();
    fs::create_directories(out_dir);
    if (env.rank == 0) {
      core::setup_logging(log_level, out_dir / "train.log");
    } else {
      core::setup_logging("warn", out_dir / ("train_rank" + std::to_string(env.rank) + ".log"));
    }
    spdlog::info("run folder {}", out_dir.string());
    const std::atomic<bool>& stop_requested = core::stop_on_interrupt();
    const auto group = dist::ProcessGroup::create(
        env, core::resolve_device(config.device),
        std::chrono::milliseconds(static_cast<int64_t>(dist_timeout_s * 1000)));
    const bool complete =
        train::train_segmenter(config, kind, out_dir, resume, &stop_requested, group);
    if (complete && env.rank == 0) {
      spdlog::info("done: {}/best.pt; score it with prolearn-eval --run {} --model {}",
                   (out_dir / train::stage_folder(kind)).string(), out_dir.string(), model);
    }
    return complete ? 0 : 130;
  });
}
