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

/// "mean +- std (n)" over seeds, the value alone for one seed, "-" for none.
std::string seeds_cell(const std::vector<double>& values) {
  if (values.empty()) return "-";
  if (values.size() == 1) return fmt::format("{:.4f}", values.front());
  double mean = 0, std = 0;
  mean_std(values, mean, std);
  return fmt::format("{:.4f} +- {:.4f} ({})", mean, std, values.size());
}

}  // namespace

ProLearnSweepTable aggregate_prolearn_sweep(const ProLearnSweepConfig& config,
                                            const std::vector<ProLearnSweepJob>& jobs) {
  ProLearnSweepTable table;
  table.splits = config.splits;
  for (const ProLearnSweepRow& row : config.rows) {
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
