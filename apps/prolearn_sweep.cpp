// prolearn-sweep: expands a ProLearn sweep YAML (variants x seeds) into prolearn-train /
// prolearn-eval jobs (plan) and aggregates the finished ones into one table (table).
// scripts/prolearn_sweep.sh runs the jobs.
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "protoseg/config/load_config.h"
#include "protoseg/core/cli_main.h"
#include "protoseg/sweep/prolearn_sweep_config.h"
#include "protoseg/sweep/prolearn_sweep_plan.h"
#include "protoseg/sweep/prolearn_sweep_table.h"
#include "protoseg/sweep/slurm_array.h"
#include "protoseg/sweep/sweep_output.h"
#include "protoseg/sweep/sweep_plan.h"

namespace fs = std::filesystem;
using namespace protoseg;

namespace {

// The sweeps' configs read the ImageNet weights as $PROTOSEG_WEIGHTS: a Slurm task keeps the
// value it is submitted with, else the one this plan was made with.
std::string weights_export() {
  const char* weights = std::getenv("PROTOSEG_WEIGHTS");
  if (weights == nullptr || *weights == '\0') return "";
  return "if [[ -z \"${PROTOSEG_WEIGHTS:-}\" ]]; then export PROTOSEG_WEIGHTS=" +
         sweep::shell_quote(weights) + "; fi\n";
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Plan and aggregate ProLearn sweeps (text fractions, baselines, seeds, ablations)"};
  app.require_subcommand(1);
  fs::path config_file, bin_dir = fs::path(argv[0]).parent_path();
  int threads = 0;
  bool slurm = false;
  std::vector<std::string> only;
  auto* plan = app.add_subcommand("plan", "write <out>/<name>.jobs.txt with the unfinished jobs");
  auto* table = app.add_subcommand(
      "table", "aggregate finished runs into <out>/<name>.md and .csv (and the archive's)");
  for (auto* command : {plan, table}) {
    command->add_option("--config", config_file, "sweep YAML, e.g. configs/sweeps/...")->required();
    command->add_option("--bin", bin_dir, "folder with prolearn-train and prolearn-eval");
  }
  plan->add_option("--only", only, "list only the jobs of these variants (default: all)")
      ->delimiter(',');
  plan->add_option("--threads", threads,
                   "torch threads of every run (0: each run's configured default, all cores)")
      ->check(CLI::NonNegativeNumber);
  plan->add_flag("--slurm", slurm,
                 "also write <out>/<name>.sbatch, a Slurm array job with one task per run");
  CLI11_PARSE(app, argc, argv);

  return core::run_cli("prolearn-sweep", [&] {
    const auto config = config::load_config<sweep::ProLearnSweepConfig>(config_file);
    for (const std::string& name : only) {
      if (config.variants.count(name) == 0) {
        throw std::runtime_error(config_file.string() + ": --only names unknown variant '" + name +
                                 "'");
      }
    }
    const auto jobs = sweep::plan_prolearn_sweep(config, fs::absolute(bin_dir), threads);
    if (plan->parsed()) {
      std::string list;
      size_t finished = 0, pending = 0;
      for (const auto& job : jobs) {
        const bool selected =
            only.empty() || std::find(only.begin(), only.end(), job.variant) != only.end();
        if (!selected) continue;
        if (job.done) {
          ++finished;
          continue;
        }
        ++pending;
        list += job.command + "\n";
      }
      const fs::path job_list = sweep::write_job_list(config.out, config.name, list);
      std::fprintf(stderr, "%s: %zu runs, %zu finished, %zu to run\n", config.name.c_str(),
                   finished + pending, finished, pending);
      if (slurm) {
        sweep::write_and_announce_slurm_array({config.name, config.out, pending, job_list,
                                               "scripts/prolearn_sweep.sh --slurm",
                                               weights_export()});
      }
      std::printf("%s\n", job_list.string().c_str());  // for scripts/prolearn_sweep.sh
      return 0;
    }
    const sweep::ProLearnSweepTable result = sweep::aggregate_prolearn_sweep(config, jobs);
    const std::string markdown = "ProLearn sweep '" + config.name +
                                 "': per-image mean Dice and IoU, mean +- std (seeds) over the "
                                 "seeds of each row\n\n" +
                                 result.markdown();
    sweep::write_sweep_table(config.out, config.archive, config.name, markdown, result.csv());
    std::printf("%s", markdown.c_str());
    return 0;
  });
}
