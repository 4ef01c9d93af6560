// sweep: expands a sweep YAML into train-tpm / eval-fold jobs (plan) and aggregates the
// finished ones into a Markdown table (table). scripts/sweep.sh runs the jobs.
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "protoseg/config/load_config.h"
#include "protoseg/core/cli_main.h"
#include "protoseg/sweep/slurm_array.h"
#include "protoseg/sweep/sweep_config.h"
#include "protoseg/sweep/sweep_output.h"
#include "protoseg/sweep/sweep_plan.h"
#include "protoseg/sweep/sweep_table.h"

namespace fs = std::filesystem;
using namespace protoseg;

int main(int argc, char** argv) {
  CLI::App app{"Plan and aggregate config-driven sweeps (variants x folds x seeds)"};
  app.require_subcommand(1);
  fs::path config_file, bin_dir = fs::path(argv[0]).parent_path();
  bool slurm = false;
  int threads = 0;
  auto* plan = app.add_subcommand("plan", "write <out>/<name>.jobs.txt with the unfinished jobs");
  auto* table = app.add_subcommand(
      "table", "aggregate finished jobs into <out>/<name>.md (and <archive>/<name>.md)");
  for (auto* command : {plan, table}) {
    command->add_option("--config", config_file, "sweep YAML, e.g. configs/sweeps/...")->required();
    command->add_option("--bin", bin_dir, "folder with train-tpm and eval-fold");
  }
  std::vector<int> only_folds;
  plan->add_flag("--slurm", slurm, "also write <out>/<name>.sbatch, a Slurm array job");
  plan->add_option("--folds", only_folds, "list only the jobs of these folds (default: all)")
      ->delimiter(',');
  plan->add_option("--threads", threads,
                   "torch threads of every job (0: each job's configured default, all cores)")
      ->check(CLI::NonNegativeNumber);
  CLI11_PARSE(app, argc, argv);

  return core::run_cli("sweep", [&] {
    const auto config = config::load_config<sweep::SweepConfig>(config_file);
    const auto jobs = sweep::plan_sweep(config, fs::absolute(bin_dir), threads);
    fs::create_directories(config.out);
    if (plan->parsed()) {
      std::string list;
      std::vector<sweep::SweepJob> pending;
      size_t finished = 0, other_folds = 0;
      for (const auto& job : jobs) {
        const bool selected = only_folds.empty() || std::find(only_folds.begin(), only_folds.end(),
                                                              job.fold) != only_folds.end();
        if (job.done) ++finished;
        if (!job.done && !selected) ++other_folds;
        if (job.done || !selected) continue;
        pending.push_back(job);
        list += job.command + "\n";
      }
      const fs::path job_list = sweep::write_job_list(config.out, config.name, list);
      std::fprintf(stderr, "%s: %zu jobs, %zu finished, %zu to run", config.name.c_str(),
                   jobs.size(), finished, pending.size());
      if (other_folds > 0) std::fprintf(stderr, ", %zu unfinished in other folds", other_folds);
      std::fprintf(stderr, "\n");
      if (slurm) {
        sweep::write_and_announce_slurm_array(
            {config.name, config.out, pending.size(), job_list, "scripts/sweep.sh --slurm", ""});
      }
      std::printf("%s\n", job_list.string().c_str());  // for scripts/sweep.sh
      return 0;
    }
    const sweep::SweepTable result = sweep::aggregate_sweep(config, jobs);
    const std::string markdown = "Sweep '" + config.name + "', protocol " + config.protocol +
                                 ": mean +- std of the per-fold mean Dice over folds x seeds\n\n" +
                                 result.markdown();
    sweep::write_sweep_table(config.out, config.archive, config.name, markdown, result.csv());
    std::printf("%s", markdown.c_str());
    return 0;
  });
}
