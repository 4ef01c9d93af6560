#pragma once

#include <string>
#include <vector>

#include "protoseg/sweep/sweep_plan.h"

namespace protoseg::sweep {

/// Mean and standard deviation (n - 1 in the denominator; 0 for one value) of a row's Dice
/// over the sweep's finished folds x seeds, per organ and for the organ mean.
struct TableRow {
  std::string label;
  std::vector<double> mean;  ///< per organ, then the organ mean
  std::vector<double> std;
  int cells = 0;  ///< finished (fold, seed) cells that entered the row
  int expected = 0;
};

struct SweepTable {
  std::vector<std::string> organs;
  std::vector<TableRow> rows;
  /// Markdown: one line per row, "mean +- std" cells ("mean" alone from a single cell, "-"
  /// from none), and the cells used out of expected.
  std::string markdown() const;
  /// CSV: label,organ,mean,std,cells.
  std::string csv() const;
};

/// Reads the results.json of every finished job and aggregates the config's rows. Throws
/// std::runtime_error naming a results file that lacks a row's method.
SweepTable aggregate_sweep(const SweepConfig& config, const std::vector<SweepJob>& jobs);

}  // namespace protoseg::sweep
