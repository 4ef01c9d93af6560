#pragma once

#include <algorithm>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

namespace protoseg::sweep {

/// One prolearn-train run of a ProLearn sweep, trained once per seed: a model on a text
/// fraction with `--set` overrides (a PSA ablation, a larger image size, another budget).
struct ProLearnSweepVariant {
  std::filesystem::path config;    ///< a prolearn-train config, e.g. configs/prolearn/qata_cpu.yaml
  std::string model = "prolearn";  ///< what prolearn-train trains: prolearn, guideseg, image-only
  /// Share of the training images with reports; required unless the model is image-only.
  double text_fraction = -1;
  /// Overrides the sweep's seeds for this variant (e.g. three seeds for the 1 % and 50 % rows
  /// only); empty: the sweep's.
  std::vector<int> seeds;
  /// `--set` overrides for prolearn-train. They reach the shell in double quotes, so $HOME and
  /// other variables expand.
  std::vector<std::string> set;
  /// Another variant whose finished teacher (same seed) each run copies instead of training its
  /// own (prolearn-train's `teacher_from`): for ablations of the PSA or the student, which do not
  /// change the teacher. Empty: train the teacher.
  std::string teacher_of;

  template <class V>
  void visit(V& v) {
    v.required("config", config);
    v.optional("model", model);
    v.optional("text_fraction", text_fraction);
    v.optional("seeds", seeds);
    v.optional("set", set);
    v.optional("teacher_of", teacher_of);
  }
  template <class V>
  void validate(V& v) const {
    if (model != "prolearn" && model != "guideseg" && model != "image-only") {
      v.invalid("model", "must be prolearn, guideseg or image-only");
    }
    if (model != "image-only" && !(text_fraction > 0 && text_fraction <= 1)) {
      v.invalid("text_fraction", "must be in (0, 1] for a model that reads reports");
    }
  }
};

/// One row of the aggregated table: a variant's run scored as one of the models it holds (a
/// prolearn run holds its teacher, the GuideSeg-style model, too).
struct ProLearnSweepRow {
  std::string label;
  std::string variant;
  std::string model = "prolearn";  ///< what prolearn-eval scores: prolearn, guideseg, image-only
  /// The row the others are compared with, seed by seed (at most one row): an ablation and its
  /// base share a seed's teacher, so their paired difference is far less noisy than the rows.
  bool baseline = false;

  template <class V>
  void visit(V& v) {
    v.required("label", label);
    v.required("variant", variant);
    v.optional("model", model);
    v.optional("baseline", baseline);
  }
  template <class V>
  void validate(V& v) const {
    if (label.empty()) v.invalid("label", "must not be empty");
  }
};

/// A ProLearn table as a sweep: variants x seeds, each trained with prolearn-train and scored
/// with prolearn-eval on every split, aggregated into rows (mean +- std over the seeds).
struct ProLearnSweepConfig {
  std::string name;
  /// Runs go to <out>/<variant>/seed<S>.
  std::filesystem::path out;
  /// Optional folder kept under version control (docs/results/sweeps/<name>): every finished
  /// run's scores and training histories are copied there, and a run found there counts as
  /// finished, so a table survives a fresh clone without its checkpoints. Empty: none.
  std::filesystem::path archive;
  std::vector<int> seeds = {42};
  /// Splits every row is scored on: settings are chosen on `val`, reported on `test`.
  std::vector<std::string> splits = {"val", "test"};
  std::map<std::string, ProLearnSweepVariant> variants;
  std::vector<ProLearnSweepRow> rows;

  template <class V>
  void visit(V& v) {
    v.required("name", name);
    v.required("out", out);
    v.optional("archive", archive);
    v.optional("seeds", seeds);
    v.optional("splits", splits);
    v.required("variants", variants);
    v.required("rows", rows);
  }
  template <class V>
  void validate(V& v) const {
    if (seeds.empty()) v.invalid("seeds", "must list at least one seed");
    if (splits.empty()) v.invalid("splits", "must list at least one split");
    if (variants.empty()) v.invalid("variants", "must define at least one variant");
    for (const auto& [name, variant] : variants) {
      if (variant.teacher_of.empty()) continue;
      const auto source = variants.find(variant.teacher_of);
      if (source == variants.end() || source->second.model == "image-only" ||
          variant.model == "image-only" || variant.teacher_of == name) {
        v.invalid("variants", "variant '" + name + "' takes its teacher from '" +
                                  variant.teacher_of +
                                  "', which is not another variant with a teacher");
        continue;
      }
      const auto& ours = variant.seeds.empty() ? seeds : variant.seeds;
      const auto& theirs = source->second.seeds.empty() ? seeds : source->second.seeds;
      for (const int seed : ours) {
        if (std::find(theirs.begin(), theirs.end(), seed) == theirs.end()) {
          v.invalid("variants", "variant '" + name + "' needs seed " + std::to_string(seed) +
                                    " of '" + variant.teacher_of + "', which does not run it");
        }
      }
    }
    if (std::count_if(rows.begin(), rows.end(), [](const auto& row) { return row.baseline; }) > 1) {
      v.invalid("rows", "more than one row is marked baseline");
    }
    for (const ProLearnSweepRow& row : rows) {
      const auto variant = variants.find(row.variant);
      if (variant == variants.end()) {
        v.invalid("rows", "row '" + row.label + "' names unknown variant '" + row.variant + "'");
        continue;
      }
      const std::string& trained = variant->second.model;
      const bool holds = row.model == trained || (trained == "prolearn" && row.model == "guideseg");
      if (!holds) {
        v.invalid("rows", "row '" + row.label + "' scores " + row.model + ", but variant '" +
                              row.variant + "' trains " + trained);
      }
    }
  }
};

}  // namespace protoseg::sweep
