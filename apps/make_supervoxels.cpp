// make-supervoxels: ADNet's 3D supervoxel pseudo-labels for every volume of a dataset.
#include <chrono>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <stdexcept>
#include <string>
#include <vector>

#include <spdlog/spdlog.h>
#include <torch/torch.h>
#include <CLI/CLI.hpp>

#include "protoseg/config/load_config.h"
#include "protoseg/core/cli_main.h"
#include "protoseg/core/logging.h"
#include "protoseg/core/progress_bar.h"
#include "protoseg/core/threads.h"
#include "protoseg/data/volume_dataset.h"
#include "protoseg/eval/overlay.h"
#include "protoseg/io/image2d_io.h"
#include "protoseg/io/volume_io.h"
#include "protoseg/supervoxel/supervoxels.h"

namespace fs = std::filesystem;
using namespace protoseg;

namespace {

/// <dir>/<name>_z<k>.png: the middle slice k of `image` with its supervoxels outlined.
void write_overlay(const io::Volume& image, const at::Tensor& supervoxels, const fs::path& dir,
                   const std::string& name) {
  fs::create_directories(dir);
  const int64_t k = image.data.size(0) / 2;
  io::write_image(eval::supervoxel_overlay_rgb(image.data[k], supervoxels[k]),
                  dir / (name + "_z" + std::to_string(k) + ".png"));
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Make ADNet-style 3D supervoxel pseudo-labels for every volume of a dataset"};
  fs::path dataset_file;
  int n_sv = 0;
  fs::path out_root, overlay_dir;
  bool force = false;
  int threads = 0;
  std::vector<std::string> overrides;
  std::string log_level = "info";
  app.add_option("--dataset", dataset_file, "dataset YAML, e.g. configs/data/abd_mri.yaml")
      ->required();
  app.add_option("--n-sv", n_sv, "Felzenszwalb min_size (default: the dataset's n_sv)");
  app.add_option("--out", out_root,
                 "folder that receives supervoxels_<n_sv>/ (default: the dataset's "
                 "supervoxel_root)");
  app.add_option("--overlays", overlay_dir,
                 "write the middle slice of every volume with its supervoxels as PNG here");
  app.add_flag("--force", force, "recompute volumes that already have supervoxels");
  app.add_option("--threads", threads, "threads (default: all cores)");
  app.add_option("--set", overrides, "override a dataset key, e.g. --set root=/data/abd_mri");
  app.add_option("--log-level", log_level, "trace, debug, info, warn, error");
  CLI11_PARSE(app, argc, argv);

  return core::run_cli("make-supervoxels", [&] {
    core::setup_logging(log_level);
    const int used_threads = core::configure_threads(threads);
    auto config = config::load_config<data::DatasetConfig>(dataset_file, overrides);
    if (n_sv > 0) config.n_sv = n_sv;
    if (!out_root.empty()) config.supervoxel_root = out_root;
    const data::VolumeDataset dataset(config);
    const fs::path out_dir = dataset.supervoxel_dir();
    fs::create_directories(out_dir);
    config::save_config(config, out_dir / "dataset.yaml");
    spdlog::info("{}: {} volumes, n_sv {}, {} threads -> {}", config.name, dataset.size(),
                 config.n_sv, used_threads, out_dir.string());

    supervoxel::SupervoxelOptions options;
    options.n_sv = config.n_sv;
    options.threads = used_threads;
    const fs::path timings_file = out_dir / "timings.csv";
    const bool new_timings = force || !fs::exists(timings_file);
    std::ofstream timings(timings_file, new_timings ? std::ios::trunc : std::ios::app);
    if (new_timings) timings << "id,seconds,supervoxels,voxels\n";

    supervoxel::FelzenszwalbWorkspace workspace;  // graph memory reused from volume to volume
    core::ProgressBar progress("supervoxels", static_cast<int64_t>(dataset.size()), std::cerr);
    int computed = 0, skipped = 0;
    for (size_t i = 0; i < dataset.size(); ++i) {
      const fs::path target = dataset.supervoxel_path(i);
      const std::string name = "image_" + std::to_string(dataset.ids()[i]);
      if (!force && fs::exists(target)) {
        if (!overlay_dir.empty()) {
          write_overlay(io::read_volume(dataset.image_path(i), torch::kFloat32),
                        io::read_label_map(target).data, overlay_dir, name);
        }
        ++skipped;
        progress.skip_to(static_cast<int64_t>(i + 1), name + " exists, skipped");
        continue;
      }
      const auto start = std::chrono::steady_clock::now();
      const io::Volume image = io::read_volume(dataset.image_path(i), torch::kFloat64);
      const at::Tensor labels = supervoxel::make_supervoxels(image, options, &workspace);
      const int64_t count = std::get<0>(at::_unique(labels)).gt(0).sum().item<int64_t>();
      if (count < 2) {
        // Nothing is written: an episode needs a supervoxel and its neighbour slices' others.
        throw std::runtime_error(dataset.image_path(i).string() + ": n_sv " +
                                 std::to_string(options.n_sv) + " leaves " + std::to_string(count) +
                                 " supervoxel(s) in the body; training needs at least two, "
                                 "choose a smaller n_sv");
      }
      io::write_volume({labels, image.geometry}, target);
      const double seconds =
          std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      if (!overlay_dir.empty()) write_overlay(image, labels, overlay_dir, name);
      timings << dataset.ids()[i] << "," << seconds << "," << count << "," << labels.numel()
              << std::endl;
      ++computed;
      progress.update(static_cast<int64_t>(i + 1), name + " " + std::to_string(count) +
                                                       " supervoxels in " +
                                                       std::to_string(seconds).substr(0, 5) + " s");
    }
    progress.finish(std::to_string(computed) + " computed, " + std::to_string(skipped) +
                    " skipped");
    return 0;
  });
}
