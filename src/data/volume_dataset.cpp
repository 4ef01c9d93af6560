#include "protoseg/data/volume_dataset.h"

#include <algorithm>
#include <cctype>
#include <set>
#include <stdexcept>
#include <string>
#include <system_error>

namespace protoseg::data {
namespace {

std::string id_text(int id) { return std::to_string(id); }

}  // namespace

VolumeDataset::VolumeDataset(DatasetConfig config) : config_(std::move(config)) {
  std::error_code error;
  if (!std::filesystem::is_directory(config_.root, error)) {
    throw std::runtime_error(config_.root.string() + ": dataset folder not found (dataset '" +
                             config_.name + "')");
  }
  const std::string& pattern = config_.image_pattern;
  const size_t at = pattern.find("{id}");
  const std::string prefix = pattern.substr(0, at);
  const std::string suffix = pattern.substr(at + 4);
  for (const auto& entry : std::filesystem::directory_iterator(config_.root)) {
    const std::string name = entry.path().filename().string();
    if (name.size() <= prefix.size() + suffix.size()) continue;
    if (name.compare(0, prefix.size(), prefix) != 0) continue;
    if (name.compare(name.size() - suffix.size(), suffix.size(), suffix) != 0) continue;
    const std::string digits =
        name.substr(prefix.size(), name.size() - prefix.size() - suffix.size());
    if (digits.empty() || digits.size() > 9 ||
        !std::all_of(digits.begin(), digits.end(),
                     [](unsigned char c) { return std::isdigit(c); })) {
      continue;
    }
    ids_.push_back(std::stoi(digits));
  }
  std::sort(ids_.begin(), ids_.end());
  if (ids_.empty()) {
    throw std::runtime_error(config_.root.string() + ": no volumes matching '" + pattern +
                             "' (dataset '" + config_.name + "')");
  }
  for (size_t f = 0; f < config_.folds.size(); ++f) {
    for (int index : config_.folds[f]) {
      if (index < 0 || static_cast<size_t>(index) >= ids_.size()) {
        throw std::runtime_error("dataset '" + config_.name + "': fold " + std::to_string(f) +
                                 " names volume index " + std::to_string(index) + " but " +
                                 config_.root.string() + " holds " + std::to_string(ids_.size()) +
                                 " volumes");
      }
    }
  }
}

std::filesystem::path VolumeDataset::image_path(size_t index) const {
  return config_.root / expand_pattern(config_.image_pattern, "id", id_text(ids_.at(index)));
}

std::filesystem::path VolumeDataset::label_path(size_t index) const {
  return config_.root / expand_pattern(config_.label_pattern, "id", id_text(ids_.at(index)));
}

std::filesystem::path VolumeDataset::supervoxel_path(size_t index, int n_sv) const {
  const std::filesystem::path base =
      config_.supervoxel_root.empty() ? config_.root : config_.supervoxel_root;
  const std::string sv = std::to_string(n_sv > 0 ? n_sv : config_.n_sv);
  return base / expand_pattern(expand_pattern(config_.supervoxel_pattern, "n_sv", sv), "id",
                               id_text(ids_.at(index)));
}

std::filesystem::path VolumeDataset::supervoxel_dir(int n_sv) const {
  return supervoxel_path(0, n_sv).parent_path();
}

std::vector<size_t> VolumeDataset::fold_indices(int fold) const {
  if (fold < 0 || static_cast<size_t>(fold) >= config_.folds.size()) {
    throw std::out_of_range("dataset '" + config_.name + "': fold " + std::to_string(fold) +
                            " does not exist (" + std::to_string(config_.folds.size()) + " folds)");
  }
  // Folds are sets (as the reference's get_folds): ascending index order, so the support, the
  // fold's last volume, does not depend on how the YAML lists them.
  std::vector<size_t> indices;
  for (int index : config_.folds[fold]) indices.push_back(static_cast<size_t>(index));
  std::sort(indices.begin(), indices.end());
  return indices;
}

std::vector<size_t> VolumeDataset::training_indices(int fold) const {
  const auto held_out = fold_indices(fold);
  const std::set<size_t> excluded(held_out.begin(), held_out.end());
  std::vector<size_t> indices;
  for (size_t i = 0; i < ids_.size(); ++i) {
    if (excluded.count(i) == 0) indices.push_back(i);
  }
  return indices;
}

}  // namespace protoseg::data
