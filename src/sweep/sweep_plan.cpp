#include "protoseg/sweep/sweep_plan.h"

#include <fstream>
#include <set>
#include <sstream>

#include <nlohmann/json.hpp>

namespace protoseg::sweep {
namespace fs = std::filesystem;

std::string shell_quote(const std::string& text) {
  std::string quoted = "'";
  for (char c : text) quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return quoted + "'";
}

namespace {

/// The inference methods (binary, or multi-class rules) a variant's table rows use, comma-
/// separated in row order, so eval-fold runs only those (a baseline scored by CE-T or ADNet++
/// alone skips the training-prior analysis). Empty when no row uses the variant: eval-fold then
/// runs every method.
std::string methods_of(const SweepConfig& config, const std::string& variant) {
  std::string list;
  std::set<std::string> seen;
  for (const SweepRow& row : config.rows) {
    if (row.variant != variant || !seen.insert(row.method).second) continue;
    list += (list.empty() ? "" : ",") + row.method;
  }
  return list;
}

/// Whether `results_file` holds eval-fold's means for every method in `methods` (comma-
/// separated). A missing or unreadable file, or one from an evaluation that ran fewer methods
/// than the rows now name, leaves the cell to be evaluated again (training is not repeated).
bool has_results_for(const fs::path& results_file, const std::string& methods) {
  std::ifstream in(results_file);
  if (!in) return false;
  const nlohmann::json results = nlohmann::json::parse(in, nullptr, /*allow_exceptions=*/false);
  if (!results.is_object() || !results.contains("means")) return false;
  std::stringstream list(methods);
  std::string method;
  while (std::getline(list, method, ',')) {
    if (!results["means"].contains(method)) return false;
  }
  return true;
}

/// Shell text run after a successful evaluation: copies the cell's evaluation files (JSON and
/// CSV, no checkpoints) and training logs into `archive_cell`.
std::string archive_command(const SweepJob& job, const fs::path& archive_cell,
                            const std::string& eval_name) {
  const std::string from = shell_quote(job.run_dir.string());
  const std::string to = shell_quote(archive_cell.string());
  const std::string eval_from = shell_quote((job.run_dir / eval_name).string());
  const std::string eval_to = shell_quote((archive_cell / eval_name).string());
  return " && mkdir -p " + eval_to + " && find " + eval_from +
         " -maxdepth 1 -type f '(' -name '*.json' -o -name '*.csv' ')' -exec cp {} " + eval_to +
         " ';' && for log in metrics.jsonl validation.jsonl; do if [ -f " + from +
         "/$log ]; then cp " + from + "/$log " + to + "/; fi; done";
}

}  // namespace

std::vector<SweepJob> plan_sweep(const SweepConfig& config, const fs::path& bin_dir, int threads) {
  const std::string suffix =
      config.protocol + (config.multi_class ? "_mc" : "") +
      (config.reference_compat ? "_compat" : "") +
      (config.eval_dataset.empty() ? std::string() : "_on_" + config.eval_dataset.stem().string());
  const std::string train_tpm = shell_quote((bin_dir / "train-tpm").string());
  const std::string eval_fold = shell_quote((bin_dir / "eval-fold").string());
  std::vector<SweepJob> jobs;
  for (int fold : config.folds) {
    for (int seed : config.seeds) {
      for (const auto& [name, variant] : config.variants) {
        SweepJob job;
        job.variant = name;
        job.fold = fold;
        job.seed = seed;
        const fs::path cell_name =
            fs::path(name) / ("fold" + std::to_string(fold) + "_seed" + std::to_string(seed));
        const std::string eval_name = "eval_fold" + std::to_string(fold) + "_" + suffix;
        job.run_dir = config.out / cell_name;
        const fs::path eval_dir = job.run_dir / eval_name;
        job.results_file = eval_dir / "results.json";
        const std::string methods = methods_of(config, name);
        job.done = has_results_for(job.results_file, methods);
        if (!job.done && !config.archive.empty()) {
          const fs::path archived = config.archive / cell_name / eval_name / "results.json";
          if (has_results_for(archived, methods)) {
            job.results_file = archived;
            job.done = true;
          }
        }
        job.needs_training = variant.train && !fs::exists(job.run_dir / "model.pth");
        const std::string run = shell_quote(job.run_dir.string());
        std::string overrides;
        for (const std::string& value : variant.set) overrides += " --set \"" + value + "\"";
        const std::string thread_limit =
            threads > 0 ? " --set threads=" + std::to_string(threads) : "";
        const std::string cell = " --fold " + std::to_string(fold);
        std::string evaluate = eval_fold + cell + " --protocol " + config.protocol +
                               " --analysis-episodes " + std::to_string(config.analysis_episodes) +
                               " --out " + shell_quote(eval_dir.string()) +
                               (config.multi_class ? " --multi-class" : "") +
                               (config.reference_compat ? " --reference-compat" : "") +
                               (config.eval_dataset.empty()
                                    ? std::string()
                                    : " --dataset " + shell_quote(config.eval_dataset.string())) +
                               thread_limit;
        if (!methods.empty()) evaluate += " --methods " + shell_quote(methods);
        if (variant.train) {
          evaluate += " --run " + run;
          job.command = job.needs_training
                            ? train_tpm + " --config " + shell_quote(variant.config.string()) +
                                  cell + " --seed " + std::to_string(seed) + overrides +
                                  thread_limit + " --out " + run + " --resume && " + evaluate
                            : evaluate;
        } else {
          job.command = "mkdir -p " + run + " && " + evaluate + " --config " +
                        shell_quote(variant.config.string()) +
                        " --set seed=" + std::to_string(seed) + overrides;
        }
        if (!config.archive.empty())
          job.command += archive_command(job, config.archive / cell_name, eval_name);
        jobs.push_back(job);
      }
    }
  }
  return jobs;
}

}  // namespace protoseg::sweep
