#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "protoseg/sweep/sweep_config.h"

namespace protoseg::sweep {

/// One (variant, fold, seed) cell of a sweep and the shell command that completes it.
struct SweepJob {
  std::string variant;
  int fold = 0;
  int seed = 0;
  std::filesystem::path run_dir;       ///< <out>/<variant>/fold<F>_seed<S>
  std::filesystem::path results_file;  ///< eval-fold's results.json for this cell (the run's,
                                       ///< or the archived copy when only that is complete)
  bool needs_training = false;         ///< a trained variant without model.pth yet
  bool done = false;                   ///< results_file holds every method the variant's rows name
  /// train-tpm (with --resume, so an interrupted run continues) when needed, then eval-fold,
  /// then (with an archive) the copy of the cell's results and training logs into the archive.
  std::string command;
};

/// Expands folds x seeds x variants, in that order (a partial sweep fills whole folds first).
/// `bin_dir` holds train-tpm and eval-fold. `threads` > 0 gives every train-tpm and eval-fold
/// that many torch threads (`--set threads=N`), for jobs sharing a machine; 0 leaves each job
/// its configured default (all cores).
std::vector<SweepJob> plan_sweep(const SweepConfig& config, const std::filesystem::path& bin_dir,
                                 int threads = 0);

/// Quotes a string for a POSIX shell.
std::string shell_quote(const std::string& text);

}  // namespace protoseg::sweep
