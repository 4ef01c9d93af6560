#pragma once

#include <string>
#include <vector>

#include "protoseg/sweep/prolearn_sweep_plan.h"

namespace protoseg::sweep {

/// One finished score of a ProLearn sweep: a row's model in one seed's run, on one split.
struct ProLearnScore {
  std::string label, variant, model, split;
  int seed = 0;
  int64_t images = 0;
  double mean_dice = 0, mean_iou = 0;  ///< per-image means, as prolearn-eval reports them
};

struct ProLearnSweepTable {
  std::vector<std::string> labels;  ///< the config's rows, in order
  std::vector<std::string> splits;
  std::vector<int> expected_seeds;  ///< per row: how many seeds its variant runs
  int baseline = -1;                ///< the row marked baseline, -1 for none
  std::vector<ProLearnScore> scores;
  /// Markdown: one line per row, Dice and IoU per split as "mean +- std (n)" over the seeds
  /// (the value alone from one seed, "-" from none), and the seeds finished out of expected.
  /// With a baseline row, also each split's Dice minus the baseline's in the same seed, as
  /// "+mean +- std (n)" over the seeds both have finished.
  std::string markdown() const;
  /// CSV, one line per score (every seed), for plotting:
  /// label,variant,model,seed,split,images,mean_dice,mean_iou.
  std::string csv() const;
};

/// Reads the metrics.json of every finished job's scores. Throws std::runtime_error naming a
/// file that cannot be parsed.
ProLearnSweepTable aggregate_prolearn_sweep(const ProLearnSweepConfig& config,
                                            const std::vector<ProLearnSweepJob>& jobs);

}  // namespace protoseg::sweep
