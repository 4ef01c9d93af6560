#include "protoseg/eval/text_fraction_table.h"

#include <algorithm>
#include <fstream>
#include <map>
#include <set>
#include <stdexcept>

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>
#include <nlohmann/json.hpp>

#include "protoseg/eval/paired_difference.h"

namespace protoseg::eval {
namespace fs = std::filesystem;

namespace {

/// id -> Dice from prolearn-eval's per_image.csv (columns id,dice,...); empty if there is none.
std::map<std::string, double> read_per_image_dice(const fs::path& file) {
  std::map<std::string, double> dice;
  std::ifstream in(file);
  if (!in) return dice;
  std::string line;
  std::getline(in, line);
  if (line.rfind("id,dice", 0) != 0) throw std::runtime_error(file.string() + ": not id,dice,...");
  int64_t number = 1;
  while (std::getline(in, line)) {
    ++number;
    if (line.empty()) continue;
    const size_t first = line.find(',');
    const size_t second = line.find(',', first + 1);
    try {
      if (first == std::string::npos) throw std::invalid_argument("no comma");
      dice[line.substr(0, first)] = std::stod(line.substr(first + 1, second - first - 1));
    } catch (const std::logic_error&) {
      throw std::runtime_error(
          fmt::format("{}:{}: not id,dice,...: {}", file.string(), number, line));
    }
  }
  return dice;
}

std::string difference_cell(const std::map<std::string, double>& a,
                            const std::map<std::string, double>& b, const std::string& what) {
  if (a.empty() || b.empty()) return "-";
  const PairedDifference d = paired_difference(a, b, what);
  return fmt::format("{:+.4f} +- {:.4f}", d.mean, d.standard_error);
}

}  // namespace

std::vector<TextFractionEntry> collect_text_fraction_entries(const fs::path& root,
                                                             const std::string& split) {
  if (!fs::is_directory(root)) throw std::runtime_error("not a folder: " + root.string());
  std::vector<TextFractionEntry> entries;
  std::vector<fs::path> runs;
  for (const auto& run : fs::directory_iterator(root)) {
    if (run.is_directory() && fs::exists(run.path() / "config.yaml")) runs.push_back(run.path());
  }
  std::sort(runs.begin(), runs.end());
  for (const fs::path& run : runs) {
    double fraction = 0;
    try {
      const YAML::Node config = YAML::LoadFile((run / "config.yaml").string());
      fraction = config["text_fraction"].as<double>();
    } catch (const YAML::Exception& e) {
      throw std::runtime_error((run / "config.yaml").string() + ": " + e.what());
    }
    for (const std::string model : {"prolearn", "guideseg", "image-only"}) {
      const fs::path file = run / fmt::format("eval_{}_{}", model, split) / "metrics.json";
      if (!fs::exists(file)) continue;
      nlohmann::json doc;
      try {
        std::ifstream(file) >> doc;
        TextFractionEntry entry;
        entry.text_fraction = model == "image-only" ? 0.0 : fraction;
        entry.model = model;
        entry.split = split;
        entry.images = doc.at("images").get<int64_t>();
        entry.mean_dice = doc.at("mean_dice").get<double>();
        entry.mean_iou = doc.at("mean_iou").get<double>();
        entry.micro_dice = doc.at("micro_dice").get<double>();
        entry.micro_iou = doc.at("micro_iou").get<double>();
        entry.per_image_dice = read_per_image_dice(file.parent_path() / "per_image.csv");
        entries.push_back(entry);
      } catch (const nlohmann::json::exception& e) {
        throw std::runtime_error(file.string() + ": " + e.what());
      }
    }
  }
  return entries;
}

std::string text_fraction_markdown(const std::vector<TextFractionEntry>& entries) {
  std::map<std::pair<double, std::string>, const TextFractionEntry*> by_cell;
  std::set<double, std::greater<>> fractions;
  const TextFractionEntry* image_only = nullptr;
  for (const auto& entry : entries) {
    if (entry.model == "image-only") {
      image_only = &entry;
    } else {
      by_cell[{entry.text_fraction, entry.model}] = &entry;
      fractions.insert(entry.text_fraction);
    }
  }
  auto cell = [](const TextFractionEntry* entry) {
    return entry == nullptr ? std::string("- | -")
                            : fmt::format("{:.4f} | {:.4f}", entry->mean_dice, entry->mean_iou);
  };
  std::string out =
      "| text | ProLearn Dice | ProLearn IoU | GuideSeg-style Dice | GuideSeg-style IoU | "
      "image-only Dice | image-only IoU |\n| ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n";
  for (const double fraction : fractions) {
    const auto find = [&](const std::string& model) -> const TextFractionEntry* {
      const auto it = by_cell.find({fraction, model});
      return it == by_cell.end() ? nullptr : it->second;
    };
    out += fmt::format("| {:g} % | {} | {} | {} |\n", fraction * 100, cell(find("prolearn")),
                       cell(find("guideseg")), cell(image_only));
  }
  return out;
}

std::string text_fraction_comparisons_markdown(const std::vector<TextFractionEntry>& entries) {
  std::map<std::pair<double, std::string>, const TextFractionEntry*> by_cell;
  std::set<double, std::greater<>> fractions;
  static const std::map<std::string, double> none;
  const std::map<std::string, double>* image_only = &none;
  for (const auto& entry : entries) {
    if (entry.model == "image-only") {
      image_only = &entry.per_image_dice;
    } else {
      by_cell[{entry.text_fraction, entry.model}] = &entry;
      fractions.insert(entry.text_fraction);
    }
  }
  const auto dice_of = [&](double fraction, const std::string& model) {
    const auto it = by_cell.find({fraction, model});
    return it == by_cell.end() ? &none : &it->second->per_image_dice;
  };
  std::string out = fmt::format(
      "| text | ProLearn - image-only | GuideSeg-style - image-only | ProLearn - ProLearn {:g} % "
      "|\n| ---: | ---: | ---: | ---: |\n",
      fractions.empty() ? 0.0 : *fractions.begin() * 100);
  for (const double fraction : fractions) {
    const std::string text = fmt::format("{:g} %", fraction * 100);
    const auto* prolearn = dice_of(fraction, "prolearn");
    out +=
        fmt::format("| {} | {} | {} | {} |\n", text,
                    difference_cell(*prolearn, *image_only, "ProLearn " + text + " - image-only"),
                    difference_cell(*dice_of(fraction, "guideseg"), *image_only,
                                    "GuideSeg-style " + text + " - image-only"),
                    difference_cell(*prolearn, *dice_of(*fractions.begin(), "prolearn"),
                                    "ProLearn " + text + " - largest fraction"));
  }
  return out;
}

std::string text_fraction_csv(const std::vector<TextFractionEntry>& entries) {
  std::string out = "text_fraction,model,split,images,mean_dice,mean_iou,micro_dice,micro_iou\n";
  for (const auto& e : entries) {
    out += fmt::format("{},{},{},{},{:.6f},{:.6f},{:.6f},{:.6f}\n", e.text_fraction, e.model,
                       e.split, e.images, e.mean_dice, e.mean_iou, e.micro_dice, e.micro_iou);
  }
  return out;
}

}  // namespace protoseg::eval
