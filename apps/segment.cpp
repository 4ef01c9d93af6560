// segment: a trained few-shot model applied to new scans, from one labelled support scan.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <map>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include <spdlog/spdlog.h>
#include <torch/torch.h>
#include <CLI/CLI.hpp>

#include "protoseg/config/load_config.h"
#include "protoseg/core/cli_main.h"
#include "protoseg/core/device.h"
#include "protoseg/core/elapsed.h"
#include "protoseg/core/logging.h"
#include "protoseg/core/precision.h"
#include "protoseg/core/progress_bar.h"
#include "protoseg/core/threads.h"
#include "protoseg/data/dataset_config.h"
#include "protoseg/eval/overlay.h"
#include "protoseg/eval/scan_grid.h"
#include "protoseg/eval/segment_volume.h"
#include "protoseg/eval/slice_encoder.h"
#include "protoseg/eval/training_priors.h"
#include "protoseg/io/image2d_io.h"
#include "protoseg/io/torch_state_dict.h"
#include "protoseg/io/volume_io.h"
#include "protoseg/models/load_weights.h"
#include "protoseg/models/reference_checkpoint.h"
#include "protoseg/train/train_config.h"
#include "protoseg/train/trainer.h"

namespace fs = std::filesystem;
using namespace protoseg;

namespace {

bool is_scan(const fs::path& path) {
  if (fs::is_directory(path)) return true;  // a DICOM series
  const std::string name = path.filename().string();
  for (const char* extension : {".nii", ".nii.gz", ".nrrd", ".nhdr", ".mha", ".mhd"}) {
    const std::string e = extension;
    if (name.size() > e.size() && name.compare(name.size() - e.size(), e.size(), e) == 0) {
      return true;
    }
  }
  return false;
}

// "image_7.nii.gz" -> "image_7", a DICOM folder "ct_series" -> "ct_series".
std::string scan_stem(const fs::path& path) {
  std::string name = path.filename().string();
  if (name.empty()) name = path.parent_path().filename().string();
  for (const char* extension : {".nii.gz", ".nii", ".nrrd", ".nhdr", ".mha", ".mhd"}) {
    const std::string e = extension;
    if (name.size() > e.size() && name.compare(name.size() - e.size(), e.size(), e) == 0) {
      return name.substr(0, name.size() - e.size());
    }
  }
  return name;
}

std::vector<std::string> split(const std::string& list) {
  std::vector<std::string> out;
  std::stringstream in(list);
  for (std::string item; std::getline(in, item, ',');) {
    if (!item.empty()) out.push_back(item);
  }
  return out;
}

// The organs to segment: all of the dataset's, or those named (--organs) or numbered (--labels).
std::map<std::string, int> choose_organs(const std::map<std::string, int>& known,
                                         const std::string& names, const std::string& values) {
  if (!names.empty() && !values.empty()) {
    throw std::invalid_argument("give --organs or --labels, not both");
  }
  std::map<std::string, int> chosen;
  for (const std::string& name : split(names)) {
    const auto it = known.find(name);
    if (it == known.end()) {
      std::string list;
      for (const auto& [k, v] : known) list += (list.empty() ? "" : ", ") + k;
      throw std::invalid_argument("unknown organ '" + name + "' (the model knows " + list + ")");
    }
    chosen.insert(*it);
  }
  for (const std::string& value : split(values)) {
    const int label = std::stoi(value);
    std::string name = "label_" + value;
    for (const auto& [k, v] : known) {
      if (v == label) name = k;
    }
    chosen[name] = label;
  }
  return chosen.empty() ? known : chosen;
}

// CT in Hounsfield units reaches far below zero; MR, and CT already windowed to 0..255, do not.
bool looks_like_hounsfield(const io::Volume& scan) { return scan.data.min().item<double>() < -500; }

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Segment scans with a trained few-shot model (TPM/ADNet) from one labelled support"};
  fs::path model_file, config_file, support_image_file, support_label_file, query_path, out_path,
      overlay_dir;
  std::string organ_names, label_values, method = "avgest", device_name = "auto",
                                         log_level = "info";
  int prototypes = 1, threads = 0, batch_size = 0;
  int64_t support_slice = -1;
  bool multi_class = false, force = false;
  app.add_option("--model", model_file, "model.pth of a train-tpm run")->required();
  app.add_option("--config", config_file, "the run's config.yaml (default: next to the model)");
  app.add_option("--support-image", support_image_file,
                 "labelled support scan (file or DICOM folder)")
      ->required();
  app.add_option("--support-label", support_label_file, "its label map")->required();
  app.add_option("--organs", organ_names, "comma-separated organ names (default: all the model's)");
  app.add_option("--labels", label_values, "comma-separated label values instead of names");
  app.add_option("--method", method, "prior: ce-t, avgest (default) or linest");
  app.add_option("--prototypes", prototypes, "1 or 5 (EM multi-prototypes)")
      ->check(CLI::IsMember({1, 5}));
  app.add_flag("--multi-class", multi_class,
               "one support slice showing every organ, argmax over organs and background (Eq. 9)");
  app.add_option("--support-slice", support_slice,
                 "z of the support slice (default: each organ's middle slice)");
  app.add_option("--query", query_path,
                 "scan to segment: a file, a DICOM folder, or a folder of scans")
      ->required();
  app.add_option("--out", out_path, "label map to write (a folder when --query is one)")
      ->required();
  app.add_option("--overlay", overlay_dir, "PNG overlays of each organ's largest slice");
  app.add_option("--device", device_name, "cpu, cuda, cuda:N or auto");
  app.add_option("--threads", threads, "torch threads (0: all cores)");
  app.add_option("--batch-size", batch_size,
                 "slices per encoder call (0: 2 on the CPU, the fastest there; 16 on a GPU)");
  app.add_flag("--force", force, "overwrite existing outputs");
  app.add_option("--log-level", log_level, "trace, debug, info, warn, error");
  CLI11_PARSE(app, argc, argv);

  return core::run_cli("segment", [&] {
    core::setup_logging(log_level);
    if (!fs::exists(model_file))
      throw std::runtime_error(model_file.string() + ": model not found");
    if (config_file.empty()) config_file = model_file.parent_path() / "config.yaml";
    auto config = config::load_config<train::TrainConfig>(config_file, {"encoder.weights=none"});
    const fs::path run_dataset = config_file.parent_path() / "dataset.yaml";
    const auto dataset = config::load_config<data::DatasetConfig>(
        fs::exists(run_dataset) ? run_dataset : fs::path(config.dataset));
    const std::map<std::string, int> organs =
        choose_organs(dataset.labels, organ_names, label_values);
    eval::VolumeSegmentationOptions options;
    options.prior = eval::parse_segmentation_prior(method);
    options.multi_prototype = prototypes == 5;
    options.multi_class = multi_class;
    options.support_slice = support_slice;
    options.seed = static_cast<uint64_t>(config.seed);
    options.device = core::resolve_device(device_name);
    options.batch_size = batch_size > 0 ? batch_size : (options.device.is_cuda() ? 16 : 2);
    const core::Precision precision = core::resolve_precision(config.precision, options.device);
    core::configure_threads(threads);

    // The model: the run's architecture with every weight from the model file.
    models::FewShotSegmenter model = train::make_segmenter(config);
    try {
      // protoseg's model.pth or a reference TPM-FSS checkpoint (docs/fidelity.md).
      models::load_state_dict(
          *model,
          models::protoseg_state_dict(io::read_torch_state_dict(model_file), model->head->options));
    } catch (const std::exception& e) {
      throw std::runtime_error(model_file.string() + ": not a model of this run's architecture " +
                               "(ResNet-" + std::to_string(config.encoder.depth) +
                               "): " + e.what());
    }
    model->to(options.device);
    model->eval();
    const eval::SliceEncoder encoder =
        eval::make_slice_encoder(model->encoder, options.device, precision);

    // Priors of training, when the method needs them (eval-fold writes them into the run).
    eval::TrainingPriors priors;
    const bool needs_priors = options.prior == eval::SegmentationPrior::kLinEst ||
                              (options.prior == eval::SegmentationPrior::kAvgEst &&
                               (options.multi_prototype || options.multi_class));
    if (needs_priors) {
      const fs::path file =
          model_file.parent_path() / ("training_priors_fold" + std::to_string(config.fold) +
                                      (multi_class ? "_mc" : "") + ".json");
      if (!fs::exists(file)) {
        throw std::runtime_error(file.string() + ": the prior analysis this method needs is " +
                                 "missing; make it with `eval-fold --run " +
                                 model_file.parent_path().string() +
                                 (multi_class ? " --multi-class" : "") + "`");
      }
      priors = eval::read_training_priors(file);
      options.priors = &priors;
    }

    // The support on its segmentation grid.
    const io::Volume support_scan = io::read_scan(support_image_file);
    const io::Volume support_labels_scan = io::read_scan(support_label_file, torch::kFloat64);
    if (!support_labels_scan.geometry.same_grid(support_scan.geometry, 1e-3)) {
      throw std::runtime_error(
          support_label_file.string() + ": label grid " + support_labels_scan.geometry.describe() +
          " differs from the support scan's (" + support_scan.geometry.describe() + ")");
    }
    for (const auto& [name, label] : organs) {
      if (!support_labels_scan.data.eq(label).any().item<bool>()) {
        throw std::runtime_error(support_label_file.string() + ": no '" + name + "' (label " +
                                 std::to_string(label) + ") in the support label map");
      }
    }
    eval::ScanGridOptions grid_options;
    grid_options.orientation = dataset.orientation;
    grid_options.field_of_view = dataset.field_of_view;
    grid_options.size = config.episodes.image_size;
    const io::Geometry support_grid =
        eval::scan_grid(support_scan.geometry, support_scan.geometry, grid_options);
    const at::Tensor support_image =
        eval::image_on_grid(support_scan, support_grid, support_image_file);
    const at::Tensor support_labels = eval::labels_on_grid(
        {support_labels_scan.data.round().to(torch::kLong), support_labels_scan.geometry},
        support_grid);

    // The queries.
    std::vector<fs::path> queries;
    // A folder of scans holds scan files or DICOM folders; a DICOM series folder holds slices.
    const bool folder_mode =
        fs::is_directory(query_path) &&
        std::any_of(fs::directory_iterator(query_path), fs::directory_iterator(),
                    [](const fs::directory_entry& e) { return is_scan(e.path()); });
    if (folder_mode) {
      for (const auto& entry : fs::directory_iterator(query_path)) {
        if (is_scan(entry.path())) queries.push_back(entry.path());
      }
      std::sort(queries.begin(), queries.end());
      if (queries.empty())
        throw std::runtime_error(query_path.string() + ": no scans in this folder");
      fs::create_directories(out_path);
    } else {
      queries.push_back(query_path);
    }
    auto output_of = [&](const fs::path& query) {
      return folder_mode ? out_path / (scan_stem(query) + "_seg.nii.gz") : out_path;
    };
    for (const fs::path& query : queries) {
      if (fs::exists(output_of(query)) && !force) {
        throw std::runtime_error(output_of(query).string() +
                                 " exists; pass --force to overwrite it");
      }
    }

    std::string summary = "volume,organ,label,voxels,volume_ml\n";
    int failed = 0;
    core::ProgressBar progress("segment", static_cast<int64_t>(queries.size()), std::cerr);
    for (size_t q = 0; q < queries.size(); ++q) {
      const fs::path& query = queries[q];
      const auto started = std::chrono::steady_clock::now();
      try {
        const io::Volume scan = io::read_scan(query);
        if (looks_like_hounsfield(scan) != looks_like_hounsfield(support_scan)) {
          spdlog::warn("{}: {} while the support {}: a different modality or preprocessing?",
                       query.string(),
                       looks_like_hounsfield(scan) ? "holds CT Hounsfield units"
                                                   : "holds no Hounsfield units",
                       looks_like_hounsfield(support_scan) ? "does" : "does not");
        }
        const io::Geometry grid =
            eval::scan_grid(scan.geometry, support_scan.geometry, grid_options);
        const at::Tensor image = eval::image_on_grid(scan, grid, query);
        const double read_seconds = core::seconds_since(started);
        const at::Tensor labels = eval::segment_volume(*model->head, encoder, support_image,
                                                       support_labels, image, organs, options);
        const double inference_seconds = core::seconds_since(started) - read_seconds;
        const io::Volume result = eval::labels_to_scan(labels, grid, scan.geometry);
        io::write_volume({result.data.to(torch::kInt), result.geometry}, output_of(query));
        spdlog::debug("{}: read and resample {:.2f} s, inference {:.2f} s, write {:.2f} s",
                      query.string(), read_seconds, inference_seconds,
                      core::seconds_since(started) - read_seconds - inference_seconds);
        const double voxel_ml =
            scan.geometry.spacing[0] * scan.geometry.spacing[1] * scan.geometry.spacing[2] / 1000.0;
        for (const auto& [name, label] : organs) {
          const auto voxels = result.data.eq(label).sum().item<int64_t>();
          char row[512];
          std::snprintf(row, sizeof(row), "%s,%s,%d,%lld,%.2f\n", scan_stem(query).c_str(),
                        name.c_str(), label, static_cast<long long>(voxels),
                        static_cast<double>(voxels) * voxel_ml);
          summary += row;
          if (!overlay_dir.empty() && voxels > 0) {
            // The slice (of the scan's last tensor axis) where the organ is largest.
            const int64_t z = result.data.eq(label).flatten(1).sum(1).argmax().item<int64_t>();
            fs::create_directories(overlay_dir);
            io::write_image(
                eval::labels_overlay_rgb(scan.data[z], result.data[z].eq(label).to(torch::kLong)),
                overlay_dir / (scan_stem(query) + "_" + name + "_z" + std::to_string(z) + ".png"));
          }
        }
        const double seconds = core::seconds_since(started);
        progress.update(static_cast<int64_t>(q + 1),
                        scan_stem(query) + " in " + std::to_string(seconds).substr(0, 5) + " s");
      } catch (const std::exception& e) {
        if (!folder_mode) throw;
        ++failed;
        spdlog::error("{}: {}", query.string(), e.what());
        progress.update(static_cast<int64_t>(q + 1), scan_stem(query) + " failed");
      }
    }
    progress.finish(std::to_string(queries.size() - failed) + " segmented, " +
                    std::to_string(failed) + " failed");
    if (folder_mode) {
      config::write_text_atomically(out_path / "summary.csv", summary);
    } else {
      std::printf("%s", summary.c_str());
    }
    return failed == 0 ? 0 : 1;
  });
}
