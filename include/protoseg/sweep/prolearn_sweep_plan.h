#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "protoseg/sweep/prolearn_sweep_config.h"

namespace protoseg::sweep {

/// One (variant, seed) run of a ProLearn sweep and the shell command that completes it.
struct ProLearnSweepJob {
  std::string variant;
  int seed = 0;
  std::filesystem::path run_dir;  ///< <out>/<variant>/seed<S>
  /// Where the scores of this run are read from: run_dir, or the archived copy when only that
  /// holds every score.
  std::filesystem::path scores_dir;
  bool done = false;  ///< every model the rows score, on every split, has its metrics.json
  /// prolearn-train (with --resume, so an interrupted run continues its stage), then
  /// prolearn-eval of every missing (model, split), then (with an archive) the copy of the
  /// scores, histories and config into the archive.
  std::string command;
};

/// The models that the config's rows score from `variant`, in row order, without repeats.
std::vector<std::string> scored_models(const ProLearnSweepConfig& config,
                                       const std::string& variant);

/// Expands variants x seeds (each variant's own seeds where it lists them), variants in name
/// order. `bin_dir` holds prolearn-train and prolearn-eval. `threads` > 0 gives every run that
/// many torch threads (`--set threads=N`, kept in the run's config for its evaluation), for
/// jobs sharing a machine; 0 leaves each run its configured default (all cores).
std::vector<ProLearnSweepJob> plan_prolearn_sweep(const ProLearnSweepConfig& config,
                                                  const std::filesystem::path& bin_dir,
                                                  int threads = 0);

}  // namespace protoseg::sweep
