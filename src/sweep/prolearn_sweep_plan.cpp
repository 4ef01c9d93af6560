#include "protoseg/sweep/prolearn_sweep_plan.h"

#include <algorithm>

#include <fmt/format.h>

#include "protoseg/sweep/sweep_plan.h"

namespace protoseg::sweep {
namespace fs = std::filesystem;

namespace {

std::string score_folder(const std::string& model, const std::string& split) {
  return fmt::format("eval_{}_{}", model, split);
}

bool has_every_score(const fs::path& dir, const std::vector<std::string>& models,
                     const std::vector<std::string>& splits) {
  for (const std::string& model : models) {
    for (const std::string& split : splits) {
      if (!fs::exists(dir / score_folder(model, split) / "metrics.json")) return false;
    }
  }
  return true;
}

/// Shell text that copies the run's config, stage histories and the scores the rows use (no
/// checkpoints) into `archive_run`.
std::string archive_command(const fs::path& run_dir, const fs::path& archive_run,
                            const std::vector<std::string>& models,
                            const std::vector<std::string>& splits) {
  const std::string from = shell_quote(run_dir.string());
  const std::string to = shell_quote(archive_run.string());
  std::string command = " && mkdir -p " + to + " && cp " + from + "/config.yaml " + to +
                        " && for history in " + from +
                        "/*/history.csv; do stage=$(basename \"$(dirname \"$history\")\"); "
                        "mkdir -p " +
                        to + "/\"$stage\" && cp \"$history\" " + to + "/\"$stage\"/; done";
  for (const std::string& model : models) {
    for (const std::string& split : splits) {
      const std::string eval_from = shell_quote((run_dir / score_folder(model, split)).string());
      const std::string eval_to = shell_quote((archive_run / score_folder(model, split)).string());
      command += " && mkdir -p " + eval_to + " && cp " + eval_from + "/metrics.json " + eval_from +
                 "/per_image.csv " + eval_to + "/";
    }
  }
  return command;
}

}  // namespace

std::vector<std::string> scored_models(const ProLearnSweepConfig& config,
                                       const std::string& variant) {
  std::vector<std::string> models;
  for (const ProLearnSweepRow& row : config.rows) {
    if (row.variant == variant &&
        std::find(models.begin(), models.end(), row.model) == models.end()) {
      models.push_back(row.model);
    }
  }
  return models;
}

std::vector<ProLearnSweepJob> plan_prolearn_sweep(const ProLearnSweepConfig& config,
                                                  const fs::path& bin_dir, int threads) {
  const std::string train = shell_quote((bin_dir / "prolearn-train").string());
  const std::string evaluate = shell_quote((bin_dir / "prolearn-eval").string());
  std::vector<ProLearnSweepJob> jobs;
  // Variants that train their teacher first, then those that take another's.
  std::vector<std::string> order;
  for (const bool shares : {false, true}) {
    for (const auto& [name, variant] : config.variants) {
      if (variant.teacher_of.empty() != shares) order.push_back(name);
    }
  }
  for (const std::string& name : order) {
    const ProLearnSweepVariant& variant = config.variants.at(name);
    const std::vector<std::string> models = scored_models(config, name);
    if (models.empty()) continue;  // no row reads it: nothing to train
    for (int seed : variant.seeds.empty() ? config.seeds : variant.seeds) {
      ProLearnSweepJob job;
      job.variant = name;
      job.seed = seed;
      const fs::path run_name = fs::path(name) / ("seed" + std::to_string(seed));
      job.run_dir = config.out / run_name;
      job.scores_dir = job.run_dir;
      job.done = has_every_score(job.run_dir, models, config.splits);
      if (!job.done && !config.archive.empty() &&
          has_every_score(config.archive / run_name, models, config.splits)) {
        job.scores_dir = config.archive / run_name;
        job.done = true;
      }
      const std::string run = shell_quote(job.run_dir.string());
      std::string command = train + " --config " + shell_quote(variant.config.string()) +
                            " --model " + variant.model + " --out " + run + " --resume";
      if (variant.model != "image-only") {
        command += fmt::format(" --text-fraction {:g}", variant.text_fraction);
      }
      command += " --set seed=" + std::to_string(seed);
      for (const std::string& value : variant.set) command += " --set \"" + value + "\"";
      if (!variant.teacher_of.empty()) {
        const fs::path source = config.out / variant.teacher_of / ("seed" + std::to_string(seed));
        command += " --set " + shell_quote("teacher_from=" + source.string());
      }
      if (threads > 0) command += " --set threads=" + std::to_string(threads);
      // Each score is computed once: a finished metrics.json is kept on a rerun.
      for (const std::string& model : models) {
        for (const std::string& split : config.splits) {
          const std::string metrics =
              shell_quote((job.run_dir / score_folder(model, split) / "metrics.json").string());
          command += " && { [ -f " + metrics + " ] || " + evaluate + " --run " + run + " --model " +
                     model + " --split " + split + "; }";
        }
      }
      if (!config.archive.empty()) {
        command += archive_command(job.run_dir, config.archive / run_name, models, config.splits);
      }
      job.command = command;
      jobs.push_back(job);
    }
  }
  return jobs;
}

}  // namespace protoseg::sweep
