#include "protoseg/data/image_report_dataset.h"

#include <fstream>
#include <sstream>
#include <stdexcept>

#include <torch/torch.h>
#include <nlohmann/json.hpp>

#include "protoseg/data/z_score.h"
#include "protoseg/io/image2d_io.h"

namespace protoseg::data {
namespace {

namespace fs = std::filesystem;

void require_file(const fs::path& file, const std::string& what) {
  if (!fs::is_regular_file(file)) throw std::runtime_error(what + " not found: " + file.string());
}

std::string read_report(const fs::path& file) {
  require_file(file, "report");
  std::ifstream in(file);
  std::stringstream text;
  text << in.rdbuf();
  std::string report = text.str();
  while (!report.empty() && std::isspace(static_cast<unsigned char>(report.back()))) {
    report.pop_back();
  }
  if (report.empty()) throw std::runtime_error("report is empty: " + file.string());
  return report;
}

/// Splits one CSV line into fields; double quotes enclose fields with commas ("" is a quote).
std::vector<std::string> csv_fields(const std::string& line) {
  std::vector<std::string> fields(1);
  bool quoted = false;
  for (size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (quoted && c == '"' && i + 1 < line.size() && line[i + 1] == '"') {
      fields.back() += '"';
      ++i;
    } else if (c == '"') {
      quoted = !quoted;
    } else if (c == ',' && !quoted) {
      fields.emplace_back();
    } else if (c != '\r') {
      fields.back() += c;
    }
  }
  return fields;
}

/// [H, W] -> [1, 1, size, size]; area averaging when shrinking, bilinear when growing.
torch::Tensor resize_image(const torch::Tensor& image, int64_t size) {
  namespace F = torch::nn::functional;
  const torch::Tensor batch = image.unsqueeze(0).unsqueeze(0);
  if (image.size(0) == size && image.size(1) == size) return batch;
  const bool shrink = image.size(0) >= size && image.size(1) >= size;
  auto options = F::InterpolateFuncOptions().size(std::vector<int64_t>{size, size});
  if (shrink) return F::interpolate(batch, options.mode(torch::kArea));
  return F::interpolate(batch, options.mode(torch::kBilinear).align_corners(false));
}

}  // namespace

at::Tensor prepare_image(const at::Tensor& gray, int64_t size, const fs::path& source) {
  TORCH_CHECK(gray.dim() == 2, "prepare_image expects a [H,W] image, got ", gray.sizes());
  return z_score(resize_image(gray, size)[0], source);
}

std::vector<ImageReportRecord> read_prolearn_split(const fs::path& root, const std::string& split) {
  const fs::path split_file = root / "split.json";
  require_file(split_file, "split file");
  nlohmann::json doc;
  try {
    std::ifstream(split_file) >> doc;
  } catch (const nlohmann::json::exception& error) {
    throw std::runtime_error(split_file.string() + ": not valid JSON: " + error.what());
  }
  if (!doc.is_object() || !doc.contains(split) || !doc[split].is_array()) {
    throw std::runtime_error(split_file.string() + ": no list named '" + split + "'");
  }
  if (doc[split].empty())
    throw std::runtime_error(split_file.string() + ": split '" + split + "' is empty");
  std::vector<ImageReportRecord> records;
  for (const auto& entry : doc[split]) {
    if (!entry.is_string()) {
      throw std::runtime_error(split_file.string() + ": split '" + split +
                               "' holds a non-string id");
    }
    const std::string id = entry.get<std::string>();
    ImageReportRecord record{id, root / "images" / (id + ".png"), root / "masks" / (id + ".png"),
                             std::nullopt};
    require_file(record.image, "image of " + id);
    require_file(record.mask, "mask of " + id);
    const fs::path report = root / "reports" / (id + ".txt");
    if (fs::exists(report)) record.report = read_report(report);
    records.push_back(std::move(record));
  }
  return records;
}

std::vector<ImageReportRecord> read_report_manifest(const fs::path& csv, const fs::path& image_dir,
                                                    const fs::path& mask_dir) {
  require_file(csv, "manifest");
  std::ifstream in(csv);
  std::string line;
  if (!std::getline(in, line)) throw std::runtime_error(csv.string() + ": empty manifest");
  if (line.rfind("\xEF\xBB\xBF", 0) == 0) line.erase(0, 3);  // UTF-8 byte order mark
  const std::vector<std::string> header = csv_fields(line);
  int image_column = -1, report_column = -1;
  for (size_t c = 0; c < header.size(); ++c) {
    if (header[c] == "Image") image_column = static_cast<int>(c);
    if (header[c] == "Description") report_column = static_cast<int>(c);
  }
  if (image_column < 0 || report_column < 0) {
    throw std::runtime_error(csv.string() + ":1: needs the columns Image and Description");
  }
  std::vector<ImageReportRecord> records;
  for (int line_number = 2; std::getline(in, line); ++line_number) {
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    const std::vector<std::string> fields = csv_fields(line);
    const auto needed = static_cast<size_t>(std::max(image_column, report_column));
    if (fields.size() <= needed) {
      throw std::runtime_error(csv.string() + ":" + std::to_string(line_number) +
                               ": fewer fields than the header");
    }
    const std::string mask_name = fields[static_cast<size_t>(image_column)];
    std::string image_name = mask_name;
    if (image_name.rfind("mask_", 0) == 0) image_name.erase(0, 5);
    ImageReportRecord record{fs::path(image_name).stem().string(), image_dir / image_name,
                             mask_dir / mask_name, fields[static_cast<size_t>(report_column)]};
    require_file(record.image, csv.string() + ":" + std::to_string(line_number) + ": image");
    require_file(record.mask, csv.string() + ":" + std::to_string(line_number) + ": mask");
    records.push_back(std::move(record));
  }
  if (records.empty()) throw std::runtime_error(csv.string() + ": manifest has no rows");
  return records;
}

ImageReportSet load_image_report_set(const std::vector<ImageReportRecord>& records, int64_t size) {
  TORCH_CHECK(size > 0, "image size must be positive, got ", size);
  if (records.empty()) throw std::runtime_error("load_image_report_set: no records");
  ImageReportSet set;
  const auto count = static_cast<int64_t>(records.size());
  set.images = torch::empty({count, 1, size, size});
  set.masks = torch::empty({count, 1, size, size});
  for (int64_t i = 0; i < count; ++i) {
    const ImageReportRecord& record = records[static_cast<size_t>(i)];
    const torch::Tensor image = io::read_gray_image(record.image);
    const torch::Tensor mask = io::read_gray_image(record.mask);
    if (!image.sizes().equals(mask.sizes())) {
      std::ostringstream message;
      message << "image " << record.image.string() << " is " << image.size(0) << " x "
              << image.size(1) << " but its mask " << record.mask.string() << " is " << mask.size(0)
              << " x " << mask.size(1);
      throw std::runtime_error(message.str());
    }
    set.images[i] = prepare_image(image, size, record.image);
    namespace F = torch::nn::functional;
    set.masks[i] = F::interpolate(mask.gt(0).to(torch::kFloat).unsqueeze(0).unsqueeze(0),
                                  F::InterpolateFuncOptions()
                                      .size(std::vector<int64_t>{size, size})
                                      .mode(torch::kNearest))[0];
    set.ids.push_back(record.id);
    set.reports.push_back(record.report.value_or(""));
    set.has_report.push_back(record.report.has_value());
  }
  return set;
}

}  // namespace protoseg::data
