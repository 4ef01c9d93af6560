#pragma once

#include <filesystem>
#include <map>
#include <string>
#include <vector>

namespace protoseg::eval {

/// One scored model of the text-fraction experiment (a metrics.json of prolearn-eval).
struct TextFractionEntry {
  double text_fraction = 0;  ///< 0 for the image-only U-Net, which reads no reports
  std::string model;         ///< prolearn, guideseg or image-only
  std::string split;
  int64_t images = 0;
  double mean_dice = 0, mean_iou = 0, micro_dice = 0, micro_iou = 0;
  std::map<std::string, double> per_image_dice;  ///< from per_image.csv; empty if absent
};

/// Reads every `<root>/*/eval_<model>_<split>/metrics.json` (and per_image.csv beside it) with
/// the run's text fraction from its config.yaml. Throws std::runtime_error naming a file that
/// cannot be parsed.
std::vector<TextFractionEntry> collect_text_fraction_entries(const std::filesystem::path& root,
                                                             const std::string& split);

/// A markdown table, one row per text fraction (descending), with the Dice and IoU (per-image
/// means) of ProLearn, the GuideSeg-style model and the image-only U-Net; "-" where missing.
std::string text_fraction_markdown(const std::vector<TextFractionEntry>& entries);
/// Paired per-image Dice differences, mean +- standard error over the same test images, one row
/// per text fraction: ProLearn - image-only, GuideSeg-style - image-only and ProLearn - ProLearn
/// at the largest fraction ("-" where a side or its per-image file is missing).
std::string text_fraction_comparisons_markdown(const std::vector<TextFractionEntry>& entries);
/// The same entries as CSV with micro metrics too.
std::string text_fraction_csv(const std::vector<TextFractionEntry>& entries);

}  // namespace protoseg::eval
