// prolearn-eval: Dice and IoU (per-image mean and pooled) of a model trained by prolearn-train.
#include <chrono>
#include <filesystem>
#include <string>

#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <torch/torch.h>
#include <CLI/CLI.hpp>

#include "protoseg/config/load_config.h"
#include "protoseg/core/cli_main.h"
#include "protoseg/core/device.h"
#include "protoseg/core/logging.h"
#include "protoseg/core/threads.h"
#include "protoseg/eval/mask_at_size.h"
#include "protoseg/eval/overlay.h"
#include "protoseg/eval/segmentation_report.h"
#include "protoseg/io/image2d_io.h"
#include "protoseg/train/prolearn_pipeline.h"

namespace fs = std::filesystem;
using namespace protoseg;

int main(int argc, char** argv) {
  CLI::App app{"Score a prolearn-train model on a split: per-image and pooled Dice/IoU"};
  fs::path run_dir, data_root, masks_dir;
  std::string split = "test", model = "prolearn";
  int64_t overlays = 8, batch_size = 16, limit = 0;
  std::string log_level = "info";
  app.add_option("--run", run_dir, "run folder written by prolearn-train")->required();
  app.add_option("--split", split, "split name in split.json: test (default), val, ...");
  app.add_option("--data", data_root,
                 "score another folder in the ProLearn layout (images/, masks/, split.json) "
                 "instead of the run's data");
  app.add_option("--masks", masks_dir,
                 "also write every predicted mask here at its image's size (0/255 PNG), as "
                 "prolearn-predict does");
  app.add_option("--model", model, "prolearn (default), guideseg or image-only");
  app.add_option("--overlays", overlays, "PNG overlays written for the first N images");
  app.add_option("--batch-size", batch_size, "images per forward pass");
  app.add_option("--limit", limit, "score only the first N images (0: all)");
  app.add_option("--log-level", log_level, "trace, debug, info, warn, error");
  CLI11_PARSE(app, argc, argv);

  return core::run_cli("prolearn-eval", [&] {
    const auto kind = train::parse_segmenter_kind(model);
    auto config = config::load_config<train::ProLearnConfig>(run_dir / "config.yaml");
    if (!data_root.empty()) config.data.root = fs::absolute(data_root);
    const std::string data_name = data_root.empty() ? "" : "_" + data_root.filename().string();
    const fs::path out_dir = run_dir / fmt::format("eval_{}_{}{}", model, split, data_name);
    fs::create_directories(out_dir);
    core::setup_logging(log_level, out_dir / "eval.log");
    const c10::Device device = core::resolve_device(config.device);
    const core::Precision precision = core::resolve_precision(config.precision, device);
    core::configure_threads(config.threads);

    const text::WordPieceTokenizer tokenizer(config.data.vocab);
    train::Segmenter segmenter =
        train::load_trained_segmenter(kind, config, tokenizer, run_dir, device);
    const std::vector<data::ImageReportRecord> records =
        train::read_image_report_split(config.data, split);
    const data::ImageReportSet set = data::load_image_report_set(records, config.data.image_size);

    fs::create_directories(out_dir / "overlays");
    const auto start = std::chrono::steady_clock::now();
    const train::SegmentationMetrics metrics = train::evaluate_segmentation(
        *segmenter.module, segmenter.bind(set), set, batch_size, limit, device, precision,
        [&](const std::vector<int64_t>& rows, const torch::Tensor& logits) {
          for (size_t b = 0; b < rows.size(); ++b) {
            const auto row = rows[b];
            if (!masks_dir.empty()) {
              const auto& record = records[static_cast<size_t>(row)];
              const torch::Tensor picture = io::read_gray_image(record.image);
              io::write_image(eval::mask_at_size(logits[static_cast<int64_t>(b)], picture.size(0),
                                                 picture.size(1)),
                              masks_dir / (record.image.stem().string() + ".png"));
            }
            if (row >= overlays) continue;
            const torch::Tensor picture = eval::overlay_rgb(
                set.images[row][0], set.masks[row][0].gt(0.5),
                logits[static_cast<int64_t>(b)][0].to(torch::kCPU, torch::kFloat).ge(0));
            io::write_image(picture,
                            out_dir / "overlays" / (set.ids[static_cast<size_t>(row)] + ".png"));
          }
        });
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    const auto summary = metrics.summary();
    std::vector<std::string> ids(set.ids.begin(), set.ids.begin() + summary.images);
    eval::write_segmentation_report(
        metrics, ids, model, split,
        {{"seconds", seconds},
         {"images_per_second", static_cast<double>(summary.images) / seconds}},
        out_dir);
    spdlog::info(
        "{} on {} ({} images): mean Dice {:.4f}, mean IoU {:.4f}, micro Dice {:.4f}, "
        "micro IoU {:.4f}; {:.1f} images/s",
        model, split, summary.images, summary.mean_dice, summary.mean_iou, summary.micro_dice,
        summary.micro_iou, static_cast<double>(summary.images) / seconds);
    spdlog::info("wrote {}", (out_dir / "metrics.json").string());
    return 0;
  });
}
