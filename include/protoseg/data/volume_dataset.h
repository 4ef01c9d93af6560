#pragma once

#include <cstddef>
#include <filesystem>
#include <vector>

#include "protoseg/data/dataset_config.h"

namespace protoseg::data {

/// The volumes of a DatasetConfig found on disk, ordered by numeric id.
class VolumeDataset {
 public:
  /// Scans `config.root` for files matching image_pattern. Throws std::runtime_error when the
  /// folder is missing or holds no volume, or when a fold names an index past the end.
  explicit VolumeDataset(DatasetConfig config);

  const DatasetConfig& config() const { return config_; }
  size_t size() const { return ids_.size(); }
  /// Numeric ids in ascending order.
  const std::vector<int>& ids() const { return ids_; }

  std::filesystem::path image_path(size_t index) const;
  std::filesystem::path label_path(size_t index) const;
  /// Supervoxel file of volume `index` for `n_sv` (0 = config.n_sv).
  std::filesystem::path supervoxel_path(size_t index, int n_sv = 0) const;
  /// The folder that supervoxels for `n_sv` are written to.
  std::filesystem::path supervoxel_dir(int n_sv = 0) const;

  /// Volume indices of evaluation fold `fold` in ascending order (a fold is a set; its last
  /// index is the EP2 support volume).
  std::vector<size_t> fold_indices(int fold) const;
  /// Every volume index not in fold `fold` (the self-supervised training set).
  std::vector<size_t> training_indices(int fold) const;

 private:
  DatasetConfig config_;
  std::vector<int> ids_;
};

}  // namespace protoseg::data
