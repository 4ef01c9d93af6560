// eval-fold: few-shot evaluation (EP2) of a trained model on one fold, as Dice tables.
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include <spdlog/spdlog.h>
#include <CLI/CLI.hpp>

#include "protoseg/config/load_config.h"
#include "protoseg/core/cli_main.h"
#include "protoseg/core/device.h"
#include "protoseg/core/logging.h"
#include "protoseg/core/precision.h"
#include "protoseg/core/threads.h"
#include "protoseg/data/dataset_config.h"
#include "protoseg/data/volume_dataset.h"
#include "protoseg/eval/fold_evaluation.h"
#include "protoseg/io/torch_state_dict.h"
#include "protoseg/models/load_weights.h"
#include "protoseg/train/train_config.h"
#include "protoseg/train/trainer.h"

namespace fs = std::filesystem;
using namespace protoseg;

int main(int argc, char** argv) {
  CLI::App app{"Evaluate a trained few-shot model on one fold (EP2) and write Dice tables"};
  fs::path config_file, model_file, out_dir;
  int fold = -1;
  std::vector<std::string> overrides, dataset_overrides;
  std::string log_level = "info";
  app.add_option("--config", config_file, "the training YAML of the model")->required();
  app.add_option("--model", model_file, "model.pth written by train-tpm")->required();
  app.add_option("--fold", fold, "fold to evaluate (default: the config's)");
  app.add_option("--out", out_dir, "output folder (default: <model folder>/eval_fold<F>)");
  app.add_option("--set", overrides, "override a config key");
  app.add_option("--dataset-set", dataset_overrides, "override a dataset key");
  app.add_option("--log-level", log_level, "trace, debug, info, warn, error");
  CLI11_PARSE(app, argc, argv);

  return core::run_cli("eval-fold", [&] {
    core::setup_logging(log_level);
    if (fold >= 0) overrides.push_back("fold=" + std::to_string(fold));
    auto config = config::load_config<train::TrainConfig>(config_file, overrides);
    const auto dataset_config =
        config::load_config<data::DatasetConfig>(config.dataset, dataset_overrides);
    if (out_dir.empty()) {
      out_dir = model_file.parent_path() / ("eval_fold" + std::to_string(config.fold));
    }
    fs::create_directories(out_dir);

    eval::FoldEvaluationOptions options;
    options.device = core::resolve_device(config.device);
    options.precision = core::resolve_precision(config.precision, options.device);
    options.image_size = config.episodes.image_size;
    const int threads = core::configure_threads(config.threads);

    config.encoder.weights.clear();  // every weight comes from the model file
    models::FewShotSegmenter model = train::make_segmenter(config);
    const auto report = models::load_state_dict(*model, io::read_torch_state_dict(model_file));
    model->to(options.device);
    const data::VolumeDataset dataset(dataset_config);
    spdlog::info("{} fold {}: {} ({}), {} threads, {}", dataset_config.name, config.fold,
                 model_file.string(), report.summary(), threads,
                 core::to_string(options.precision));

    const auto results = eval::evaluate_fold(*model, dataset, config.fold, options);

    std::ofstream csv(out_dir / "dice.csv");
    csv << "fold,organ,label,support_id,support_slice,query_id,ce_t,avg_est\n";
    std::map<std::string, std::pair<double, double>> sums;
    std::map<std::string, int> counts;
    for (const auto& r : results) {
      csv << config.fold << "," << r.organ << "," << r.label << "," << r.support_id << ","
          << r.support_slice << "," << r.query_id << "," << r.ce_t << "," << r.avg_est << "\n";
      sums[r.organ].first += r.ce_t;
      sums[r.organ].second += r.avg_est;
      ++counts[r.organ];
    }
    std::ostringstream table;
    table << "| method |";
    for (const auto& [organ, sum] : sums) table << " " << organ << " |";
    table << " mean |\n| --- |";
    for (size_t i = 0; i <= sums.size(); ++i) table << " ---: |";
    table << "\n";
    for (int method = 0; method < 2; ++method) {
      table << (method == 0 ? "| CE-T |" : "| AvgEst |");
      double total = 0.0;
      for (const auto& [organ, sum] : sums) {
        const double mean = (method == 0 ? sum.first : sum.second) / counts[organ];
        total += mean;
        char cell[32];
        std::snprintf(cell, sizeof(cell), " %.4f |", mean);
        table << cell;
      }
      char cell[32];
      std::snprintf(cell, sizeof(cell), " %.4f |\n", total / sums.size());
      table << cell;
    }
    config::write_text_atomically(out_dir / "summary.md",
                                  "Mean 3D Dice over the query volumes of fold " +
                                      std::to_string(config.fold) + " (" + model_file.string() +
                                      ")\n\n" + table.str());
    std::printf("%s", table.str().c_str());
    spdlog::info("per-volume Dice in {}", (out_dir / "dice.csv").string());
    return 0;
  });
}
