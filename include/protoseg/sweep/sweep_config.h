#pragma once

#include <filesystem>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

#include "protoseg/eval/inference_method.h"
#include "protoseg/eval/multi_class_rule.h"

namespace protoseg::sweep {

/// One training variant of a sweep: a train-tpm config, trained per fold and seed, or used
/// as it is (`train: false`, e.g. ImageNet features without self-supervised training).
struct SweepVariant {
  std::filesystem::path config;
  bool train = true;
  /// `--set` overrides for train-tpm (and eval-fold when not trained). They reach the shell in
  /// double quotes, so $HOME and other variables expand.
  std::vector<std::string> set;

  template <class V>
  void visit(V& v) {
    v.required("config", config);
    v.optional("train", train);
    v.optional("set", set);
  }
  template <class V>
  void validate(V&) const {}
};

/// One row of the aggregated table: a variant's inference method under a label.
struct SweepRow {
  std::string label;
  std::string variant;
  std::string method;

  template <class V>
  void visit(V& v) {
    v.required("label", label);
    v.required("variant", variant);
    v.required("method", method);
  }
  template <class V>
  void validate(V& v) const {
    if (label.empty()) v.invalid("label", "must not be empty");
  }
};

/// A table-producing sweep: variants x folds x seeds, each trained with train-tpm and
/// evaluated with eval-fold, then aggregated into rows (mean +- std over folds x seeds).
struct SweepConfig {
  std::string name;
  /// Runs go to <out>/<variant>/fold<F>_seed<S>.
  std::filesystem::path out;
  /// Optional folder kept under version control (docs/results/sweeps/<name>): every finished
  /// cell's results.json and training logs are copied there, and a cell found there counts as
  /// finished, so a table survives a fresh clone without its checkpoints. Empty: none.
  std::filesystem::path archive;
  std::vector<int> folds = {0, 1, 2, 3, 4};
  std::vector<int> seeds = {2021};
  std::string protocol = "ep2";
  /// eval-fold --multi-class (Table 2) instead of the binary methods (Table 1).
  bool multi_class = false;
  bool reference_compat = false;
  /// Cross-domain: evaluate every cell on this dataset's folds (eval-fold --dataset) instead of
  /// the one it was trained on; the training priors stay the run's own. The evaluation folder
  /// gets the suffix `_on_<file stem>`, so a sweep sharing `out` with the in-domain table keeps
  /// both results. Empty: in domain.
  std::filesystem::path eval_dataset;
  int analysis_episodes = 1000;
  /// Table columns in this order (dataset label names, e.g. the paper's liver, right_kidney,
  /// left_kidney, spleen); empty: every organ in the order the results list them.
  std::vector<std::string> organs;
  std::map<std::string, SweepVariant> variants;
  std::vector<SweepRow> rows;

  template <class V>
  void visit(V& v) {
    v.required("name", name);
    v.required("out", out);
    v.optional("archive", archive);
    v.optional("folds", folds);
    v.optional("seeds", seeds);
    v.optional("protocol", protocol);
    v.optional("multi_class", multi_class);
    v.optional("reference_compat", reference_compat);
    v.optional("eval_dataset", eval_dataset);
    v.optional("analysis_episodes", analysis_episodes);
    v.optional("organs", organs);
    v.required("variants", variants);
    v.required("rows", rows);
  }
  template <class V>
  void validate(V& v) const {
    if (folds.empty()) v.invalid("folds", "must list at least one fold");
    if (seeds.empty()) v.invalid("seeds", "must list at least one seed");
    if (protocol != "ep1" && protocol != "ep2") v.invalid("protocol", "must be ep1 or ep2");
    if (multi_class && protocol != "ep2") v.invalid("multi_class", "needs protocol ep2");
    if (!eval_dataset.empty() && !std::filesystem::is_regular_file(eval_dataset)) {
      v.invalid("eval_dataset", "no dataset file " + eval_dataset.string());
    }
    if (analysis_episodes < 3) v.invalid("analysis_episodes", "must be at least 3");
    if (variants.empty()) v.invalid("variants", "must define at least one variant");
    for (const SweepRow& row : rows) {
      if (variants.count(row.variant) == 0) {
        v.invalid("rows", "row '" + row.label + "' names unknown variant '" + row.variant + "'");
      }
      try {
        if (multi_class) {
          eval::parse_multi_class_rules(row.method);
        } else {
          eval::parse_methods(row.method);
        }
      } catch (const std::invalid_argument& error) {
        v.invalid("rows", "row '" + row.label + "': " + error.what());
      }
    }
  }
};

}  // namespace protoseg::sweep
