#include "real_supervoxels.h"

#include <mutex>
#include <stdexcept>

#include <gtest/gtest.h>
#include <torch/torch.h>
#include <unistd.h>

#include "protoseg/config/load_config.h"
#include "protoseg/data/volume_dataset.h"
#include "protoseg/io/volume_io.h"
#include "protoseg/supervoxel/supervoxels.h"
#include "test_paths.h"

namespace protoseg::testing {
namespace {

/// Computes the supervoxels (n_sv of the dataset) of every volume that has none yet.
void write_missing_supervoxels(const data::DatasetConfig& config) {
  const data::VolumeDataset dataset(config);
  supervoxel::SupervoxelOptions options;
  options.n_sv = config.n_sv;
  for (size_t i = 0; i < dataset.size(); ++i) {
    const auto target = dataset.supervoxel_path(i);
    if (std::filesystem::exists(target)) continue;
    std::filesystem::create_directories(target.parent_path());
    const io::Volume image = io::read_volume(dataset.image_path(i), torch::kFloat64);
    io::write_volume({supervoxel::make_supervoxels(image, options), image.geometry}, target);
  }
}

}  // namespace

data::DatasetConfig abd_mri_with_supervoxels() {
  static std::once_flag once;
  static data::DatasetConfig config;
  std::call_once(once, [] {
    const auto shared = shared_data("abd_mri");
    const auto root = std::filesystem::path(::testing::TempDir()) /
                      ("protoseg_" + std::to_string(::getpid())) / "abd_mri_subset";
    std::filesystem::create_directories(root);
    // Only ids 1-3: link them into a folder of their own.
    for (int id : {1, 2, 3}) {
      for (const char* kind : {"image_", "label_"}) {
        const auto name = std::string(kind) + std::to_string(id) + ".nii.gz";
        if (!std::filesystem::exists(root / name)) {
          std::filesystem::create_symlink(shared / name, root / name);
        }
      }
    }
    config.name = "abd_mri_subset";
    config.root = root;
    config.supervoxel_root = root;
    config.n_sv = 5000;
    config.labels = {{"liver", 1}, {"right_kidney", 2}, {"left_kidney", 3}, {"spleen", 4}};
    config.folds = {{0}, {1}};
    write_missing_supervoxels(config);
  });
  return config;
}

data::DatasetConfig abd_mri_all_with_supervoxels() {
  static std::once_flag once;
  static data::DatasetConfig config;
  std::call_once(once, [] {
    config = config::load_config<data::DatasetConfig>(source_path("configs/data/abd_mri.yaml"),
                                                      {"root=" + shared_data("abd_mri").string()});
    config.supervoxel_root = std::filesystem::path(::testing::TempDir()) /
                             ("protoseg_" + std::to_string(::getpid())) / "abd_mri_all";
    write_missing_supervoxels(config);
  });
  return config;
}

data::DatasetConfig abd_ct_with_supervoxels() {
  static std::once_flag once;
  static data::DatasetConfig config;
  std::call_once(once, [] {
    const auto unpacked = source_path("derived/abd_ct");
    if (!std::filesystem::exists(unpacked / "image_0.nii")) {
      throw std::runtime_error(unpacked.string() +
                               ": ABD-CT not unpacked; run scripts/prepare_abd_ct.sh");
    }
    const auto root = std::filesystem::path(::testing::TempDir()) /
                      ("protoseg_" + std::to_string(::getpid())) / "abd_ct_subset";
    std::filesystem::create_directories(root);
    for (int id : {0, 1}) {
      for (const char* kind : {"image_", "label_"}) {
        const auto name = std::string(kind) + std::to_string(id) + ".nii";
        if (!std::filesystem::exists(root / name)) {
          std::filesystem::create_symlink(unpacked / name, root / name);
        }
      }
    }
    config = config::load_config<data::DatasetConfig>(source_path("configs/data/abd_ct.yaml"),
                                                      {"root=" + root.string()});
    config.supervoxel_root = root;
    config.folds = {{0}, {1}};
    write_missing_supervoxels(config);
  });
  return config;
}

}  // namespace protoseg::testing
