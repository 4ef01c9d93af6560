#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <ATen/core/Tensor.h>

namespace protoseg::data {

/// One 2D image with its lesion mask and, where it has one, its free-text report.
struct ImageReportRecord {
  std::string id;
  std::filesystem::path image;
  std::filesystem::path mask;
  std::optional<std::string> report;
};

/// Reads one split of a folder in ProLearn's layout: `split.json` {"train": [ids], "val": ...,
/// "test": ...}, `images/<id>.png`, `masks/<id>.png` and `reports/<id>.txt` (one sentence).
/// A record without a report file has no report (only paired samples need one). Throws
/// std::runtime_error naming the file for a missing split.json, an unknown or empty split, a
/// missing image or mask, or an empty report file.
std::vector<ImageReportRecord> read_prolearn_split(const std::filesystem::path& root,
                                                   const std::string& split);

/// Reads an LViT/GuideSeg manifest: a CSV with the columns `Image` (the mask's file name, e.g.
/// `mask_covid_1.png`) and `Description` (the report). The image is `image_dir/<Image without
/// the mask_ prefix>`, the mask `mask_dir/<Image>`. Quoted fields with commas are supported.
/// Throws std::runtime_error naming the file and line for a missing column, an empty manifest or
/// a missing image or mask.
std::vector<ImageReportRecord> read_report_manifest(const std::filesystem::path& csv,
                                                    const std::filesystem::path& image_dir,
                                                    const std::filesystem::path& mask_dir);

/// A split held in memory, resized to `size` x `size`: images per-image z-scored, masks binary.
struct ImageReportSet {
  std::vector<std::string> ids;
  std::vector<std::string> reports;  ///< "" where a record has no report
  std::vector<bool> has_report;
  at::Tensor images;  ///< [N, 1, S, S] float32, zero mean and unit std per image
  at::Tensor masks;   ///< [N, 1, S, S] float32 in {0, 1} (lesion where > 0)

  int64_t size() const { return static_cast<int64_t>(ids.size()); }
};

/// The model input of one image: [H, W] gray -> [1, size, size] float32, resized (area
/// averaging when shrinking, bilinear when growing) and z-scored. Training, prolearn-eval and
/// prolearn-predict all prepare images through this. Throws std::runtime_error naming `source`
/// for a constant image.
at::Tensor prepare_image(const at::Tensor& gray, int64_t size, const std::filesystem::path& source);

/// Loads and resizes every record (images with area averaging when shrinking and bilinear
/// interpolation when growing, masks nearest). Throws std::runtime_error naming the files when
/// an image and its mask differ in size or an image is constant.
ImageReportSet load_image_report_set(const std::vector<ImageReportRecord>& records, int64_t size);

}  // namespace protoseg::data
