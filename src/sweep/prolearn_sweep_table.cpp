#include "protoseg/sweep/prolearn_sweep_table.h"

#include <fstream>
#include <stdexcept>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "protoseg/sweep/mean_std.h"

namespace protoseg::sweep {
namespace fs = std::filesystem;

namespace {

ProLearnScore read_score(const fs::path& file) {
  std::ifstream in(file);
  if (!in) throw std::runtime_error(file.string() + ": cannot open");
  try {
    const nlohmann::json doc = nlohmann::json::parse(in);
    ProLearnScore score;
    score.images = doc.at("images").get<int64_t>();
    score.mean_dice = doc.at("mean_dice").get<double>();
    score.mean_iou = doc.at("mean_iou").get<double>();
    return score;
  } catch (const nlohmann::json::exception& error) {
    throw std::runtime_error(file.string() + ": malformed prolearn-eval metrics: " + error.what());
  }
}

/// A CSV field, quoted when it holds a comma or a quote.
std::string csv_field(const std::string& text) {
  if (text.find_first_of(",\"") == std::string::npos) return text;
  std::string quoted = "\"";
  for (char c : text) quoted += c == '"' ? std::string("\"\"") : std::string(1, c);
  return quoted + "\"";
}

/// "mean +- std (n)" over seeds, the value alone for one seed, "-" for none; `signed_mean`
/// writes the mean with its sign (for differences).
std::string seeds_cell(const std::vector<double>& values, bool signed_mean = false) {
  if (values.empty()) return "-";
  double mean = 0, std = 0;
  mean_std(values, mean, std);
  const std::string value =
      signed_mean ? fmt::format("{:+.4f}", mean) : fmt::format("{:.4f}", mean);
  if (values.size() == 1) return value;
  return fmt::format("{} +- {:.4f} ({})", value, std, values.size());
}

/// Dice of `row` minus the baseline row's on `split`, for every seed both have finished.
std::vector<double> baseline_differences(const ProLearnSweepTable& table, size_t row,
                                         const std::string& split) {
  std::vector<double> values;
  for (const ProLearnScore& score : table.scores) {
    if (score.label != table.labels[row] || score.split != split) continue;
    for (const ProLearnScore& base : table.scores) {
      if (base.label == table.labels[static_cast<size_t>(table.baseline)] && base.split == split &&
          base.seed == score.seed) {
        values.push_back(score.mean_dice - base.mean_dice);
      }
    }
  }
  return values;
}

}  // namespace

ProLearnSweepTable aggregate_prolearn_sweep(const ProLearnSweepConfig& config,
                                            const std::vector<ProLearnSweepJob>& jobs) {
  ProLearnSweepTable table;
  table.splits = config.splits;
  for (const ProLearnSweepRow& row : config.rows) {
    if (row.baseline) table.baseline = static_cast<int>(table.labels.size());
    table.labels.push_back(row.label);
    int expected = 0;
    for (const ProLearnSweepJob& job : jobs) {
      if (job.variant != row.variant) continue;
      ++expected;
      if (!job.done) continue;
      for (const std::string& split : config.splits) {
        const fs::path file =
            job.scores_dir / fmt::format("eval_{}_{}", row.model, split) / "metrics.json";
        ProLearnScore score = read_score(file);
        score.label = row.label;
        score.variant = row.variant;
        score.model = row.model;
        score.split = split;
        score.seed = job.seed;
        table.scores.push_back(score);
      }
    }
    table.expected_seeds.push_back(expected);
  }
  return table;
}

std::string ProLearnSweepTable::markdown() const {
  std::string text = "| row |";
  std::string rule = "| --- |";
  for (const std::string& split : splits) {
    text += " " + split + " Dice | " + split + " IoU |";
    rule += " ---: | ---: |";
  }
  if (baseline >= 0) {
    for (const std::string& split : splits) {
      text += " " + split + " Dice - baseline, same seed |";
      rule += " ---: |";
    }
  }
  text += " seeds |\n" + rule + " ---: |\n";
  for (size_t r = 0; r < labels.size(); ++r) {
    text += "| " + labels[r] + " |";
    size_t finished = 0;
    for (const std::string& split : splits) {
      std::vector<double> dice, iou;
      for (const ProLearnScore& score : scores) {
        if (score.label != labels[r] || score.split != split) continue;
        dice.push_back(score.mean_dice);
        iou.push_back(score.mean_iou);
      }
      finished = dice.size();
      text += " " + seeds_cell(dice) + " | " + seeds_cell(iou) + " |";
    }
    if (baseline >= 0) {
      for (const std::string& split : splits) {
        text += static_cast<int>(r) == baseline
                    ? " baseline |"
                    : " " + seeds_cell(baseline_differences(*this, r, split), true) + " |";
      }
    }
    text += fmt::format(" {}/{} |\n", finished, expected_seeds[r]);
  }
  return text;
}

std::string ProLearnSweepTable::csv() const {
  std::string text = "label,variant,model,seed,split,images,mean_dice,mean_iou\n";
  for (const ProLearnScore& s : scores) {
    text += fmt::format("{},{},{},{},{},{},{:.6f},{:.6f}\n", csv_field(s.label), s.variant, s.model,
                        s.seed, s.split, s.images, s.mean_dice, s.mean_iou);
  }
  return text;
}

}  // namespace protoseg::sweep
