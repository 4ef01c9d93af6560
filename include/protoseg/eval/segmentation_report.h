#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "protoseg/train/segmentation_metrics.h"

namespace protoseg::eval {

/// Writes `dir`/per_image.csv (id, Dice, IoU, predicted/true/overlapping pixels) and
/// `dir`/metrics.json (mean and micro Dice/IoU, image count, plus `extra` key/number pairs such
/// as timings), both atomically. `ids` name the images in the order they were added.
void write_segmentation_report(const train::SegmentationMetrics& metrics,
                               const std::vector<std::string>& ids, const std::string& model,
                               const std::string& split,
                               const std::vector<std::pair<std::string, double>>& extra,
                               const std::filesystem::path& dir);

}  // namespace protoseg::eval
