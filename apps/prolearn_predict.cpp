// prolearn-predict: binary lesion masks for X-ray images with a model trained by prolearn-train,
// without any report (ProLearn's PSA or the image-only U-Net). One image or a folder of them, any
// size; every mask is written at its image's size.
#include <algorithm>
#include <cctype>
#include <chrono>
#include <filesystem>
#include <sstream>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <torch/torch.h>
#include <CLI/CLI.hpp>

#include "protoseg/config/load_config.h"
#include "protoseg/core/cli_main.h"
#include "protoseg/core/device.h"
#include "protoseg/core/logging.h"
#include "protoseg/core/progress_bar.h"
#include "protoseg/core/threads.h"
#include "protoseg/data/image_report_dataset.h"
#include "protoseg/eval/mask_at_size.h"
#include "protoseg/eval/overlay.h"
#include "protoseg/io/image2d_io.h"
#include "protoseg/train/prolearn_pipeline.h"

namespace fs = std::filesystem;
using namespace protoseg;

namespace {

bool is_image_file(const fs::path& file) {
  std::string extension = file.extension().string();
  std::transform(extension.begin(), extension.end(), extension.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return extension == ".png" || extension == ".jpg" || extension == ".jpeg";
}

/// The image files to segment: `input` itself, or the PNG/JPEG files of the folder in name order.
std::vector<fs::path> list_images(const fs::path& input) {
  if (!fs::exists(input)) throw std::runtime_error(input.string() + ": not found");
  if (!fs::is_directory(input)) return {input};
  std::vector<fs::path> files;
  for (const auto& entry : fs::directory_iterator(input)) {
    if (entry.is_regular_file() && is_image_file(entry.path())) files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  if (files.empty()) throw std::runtime_error(input.string() + ": no PNG or JPEG images");
  return files;
}

struct Prediction {
  std::string id;
  int64_t height = 0, width = 0, lesion_pixels = 0;
};

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Predict lesion masks for X-ray images without text (ProLearn or image-only U-Net)"};
  fs::path run_dir, input, out_dir, overlay_dir;
  std::string model = "prolearn", log_level = "info";
  int64_t batch_size = 16;
  bool force = false;
  app.add_option("--run", run_dir, "run folder written by prolearn-train")->required();
  app.add_option("--model", model, "prolearn (default) or image-only");
  app.add_option("--input", input, "an image (PNG/JPEG) or a folder of images")->required();
  app.add_option("--out", out_dir, "folder for the masks (<name>.png, 0/255, the image's size)")
      ->required();
  app.add_option("--overlays", overlay_dir, "also write each image with its mask in red here");
  app.add_option("--batch-size", batch_size, "images per forward pass")->check(CLI::PositiveNumber);
  app.add_flag("--force", force, "overwrite existing masks");
  app.add_option("--log-level", log_level, "trace, debug, info, warn, error");
  CLI11_PARSE(app, argc, argv);

  return core::run_cli("prolearn-predict", [&] {
    core::setup_logging(log_level);
    const auto kind = train::parse_segmenter_kind(model);
    if (kind == train::SegmenterKind::kGuideSeg) {
      throw std::runtime_error(
          "--model guideseg reads a report for every image; prolearn-predict runs the text-free "
          "models: prolearn or image-only");
    }
    const auto config = config::load_config<train::ProLearnConfig>(run_dir / "config.yaml");
    const std::vector<fs::path> files = list_images(input);
    std::vector<std::string> stems;
    for (const fs::path& file : files) stems.push_back(file.stem().string());
    std::sort(stems.begin(), stems.end());
    const auto repeated = std::adjacent_find(stems.begin(), stems.end());
    if (repeated != stems.end()) {
      throw std::runtime_error(input.string() + ": two images named " + *repeated +
                               " (their masks would share " + *repeated + ".png)");
    }
    auto mask_file = [&](const fs::path& image) {
      return out_dir / (image.stem().string() + ".png");
    };
    for (const fs::path& file : files) {
      if (!force && fs::exists(mask_file(file))) {
        throw std::runtime_error(mask_file(file).string() +
                                 " exists; pass --force to overwrite it");
      }
    }
    const c10::Device device = core::resolve_device(config.device);
    const core::Precision precision = core::resolve_precision(config.precision, device);
    core::configure_threads(config.threads);

    const text::WordPieceTokenizer tokenizer(config.data.vocab);
    train::Segmenter segmenter =
        train::load_trained_segmenter(kind, config, tokenizer, run_dir, device);
    spdlog::info("{} from {}: {} image(s) at {} x {} -> {}", model, run_dir.string(), files.size(),
                 config.data.image_size, config.data.image_size, out_dir.string());

    const int64_t size = config.data.image_size;
    std::vector<Prediction> predictions;
    std::vector<std::string> failures;
    core::ProgressBar progress("predict", static_cast<int64_t>(files.size()), std::cerr);
    const auto start = std::chrono::steady_clock::now();
    for (size_t first = 0; first < files.size(); first += static_cast<size_t>(batch_size)) {
      const size_t end = std::min(files.size(), first + static_cast<size_t>(batch_size));
      // One batch as an unlabelled set: the text-free forward reads images only.
      data::ImageReportSet batch;
      std::vector<at::Tensor> images, gray;
      std::vector<fs::path> batch_files;
      for (size_t i = first; i < end; ++i) {
        try {
          at::Tensor picture = io::read_gray_image(files[i]);
          images.push_back(data::prepare_image(picture, size, files[i]));
          gray.push_back(picture);
          batch_files.push_back(files[i]);
        } catch (const std::exception& error) {
          spdlog::error("{}", error.what());
          failures.push_back(files[i].string());
        }
      }
      if (!images.empty()) {
        batch.images = torch::stack(images);
        batch.masks = torch::zeros_like(batch.images);
        for (const fs::path& file : batch_files) {
          batch.ids.push_back(file.stem().string());
          batch.reports.emplace_back();
          batch.has_report.push_back(false);
        }
        train::evaluate_segmentation(
            *segmenter.module, segmenter.bind(batch), batch, batch.size(), 0, device, precision,
            [&](const std::vector<int64_t>& rows, const torch::Tensor& logits) {
              for (size_t b = 0; b < rows.size(); ++b) {
                const size_t row = static_cast<size_t>(rows[b]);
                const at::Tensor& picture = gray[row];
                const at::Tensor mask = eval::mask_at_size(logits[static_cast<int64_t>(b)],
                                                           picture.size(0), picture.size(1));
                io::write_image(mask, mask_file(batch_files[row]));
                if (!overlay_dir.empty()) {
                  io::write_image(
                      eval::overlay_rgb(picture, torch::zeros_like(mask, torch::kBool), mask.gt(0)),
                      overlay_dir / (batch.ids[row] + ".png"));
                }
                predictions.push_back({batch.ids[row], picture.size(0), picture.size(1),
                                       mask.gt(0).sum().item<int64_t>()});
              }
            });
      }
      progress.update(static_cast<int64_t>(end), fs::path(files[end - 1]).filename().string());
    }
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    progress.finish(fmt::format("{} masks, {} failed, {:.1f} images/s", predictions.size(),
                                failures.size(),
                                static_cast<double>(predictions.size()) / seconds));

    std::ostringstream summary;
    summary << "image,height,width,lesion_pixels,lesion_fraction\n";
    for (const Prediction& p : predictions) {
      summary << p.id << "," << p.height << "," << p.width << "," << p.lesion_pixels << ","
              << fmt::format("{:.6f}", static_cast<double>(p.lesion_pixels) /
                                           static_cast<double>(p.height * p.width))
              << "\n";
    }
    config::write_text_atomically(out_dir / "summary.csv", summary.str());
    spdlog::info("wrote {} masks and {}", predictions.size(), (out_dir / "summary.csv").string());
    if (!failures.empty()) {
      throw std::runtime_error(std::to_string(failures.size()) + " of " +
                               std::to_string(files.size()) +
                               " images failed (see above); the others were written");
    }
    return 0;
  });
}
