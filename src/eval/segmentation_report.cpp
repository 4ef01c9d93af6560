#include "protoseg/eval/segmentation_report.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "protoseg/config/load_config.h"

namespace protoseg::eval {

void write_segmentation_report(const train::SegmentationMetrics& metrics,
                               const std::vector<std::string>& ids, const std::string& model,
                               const std::string& split,
                               const std::vector<std::pair<std::string, double>>& extra,
                               const std::filesystem::path& dir) {
  if (ids.size() != metrics.images().size()) {
    throw std::invalid_argument(fmt::format("segmentation report: {} ids for {} images", ids.size(),
                                            metrics.images().size()));
  }
  std::filesystem::create_directories(dir);
  std::string csv = "id,dice,iou,predicted_pixels,true_pixels,overlap_pixels\n";
  for (size_t i = 0; i < ids.size(); ++i) {
    const train::ImageOverlap& image = metrics.images()[i];
    csv += fmt::format("{},{:.6f},{:.6f},{},{},{}\n", ids[i], image.dice(), image.iou(),
                       image.predicted, image.truth, image.intersection);
  }
  config::write_text_atomically(dir / "per_image.csv", csv);
  const train::SegmentationSummary summary = metrics.summary();
  nlohmann::json doc = {{"model", model},
                        {"split", split},
                        {"images", summary.images},
                        {"threshold", 0.5},
                        {"mean_dice", summary.mean_dice},
                        {"mean_iou", summary.mean_iou},
                        {"micro_dice", summary.micro_dice},
                        {"micro_iou", summary.micro_iou}};
  for (const auto& [key, value] : extra) doc[key] = value;
  config::write_text_atomically(dir / "metrics.json", doc.dump(2) + "\n");
}

}  // namespace protoseg::eval
