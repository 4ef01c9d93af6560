#pragma once

#include <array>
#include <filesystem>
#include <map>
#include <set>
#include <string>
#include <vector>

namespace protoseg::data {

/// Whether `code` names three voxel axes, one of L/R, A/P and S/I each (e.g. "LAS").
bool valid_orientation(const std::string& code);

/// The direction matrix (row-major 3 x 3, ITK's LPS world) of axis codes: column a is the unit
/// vector axis a runs towards (L = +x, P = +y, S = +z; R, A and I the opposites).
std::array<double, 9> orientation_direction(const std::string& code);

/// A collection of volumes in the SSL-ALPNet layout: `image_{id}.nii.gz`,
/// `label_{id}.nii.gz` and `supervoxels_{n_sv}/superpix-MIDDLE_{id}.nii.gz`, with `{id}` a
/// number. Volumes are ordered by numeric id; folds index into that order.
struct DatasetConfig {
  /// Short name used in run folders and tables, e.g. "abd_mri".
  std::string name;
  /// Folder with the images and labels (relative paths resolve against the YAML file).
  std::filesystem::path root;
  /// Image file name with `{id}` standing for the numeric id.
  std::string image_pattern = "image_{id}.nii.gz";
  /// Label file name with `{id}`.
  std::string label_pattern = "label_{id}.nii.gz";
  /// Folder that holds (or receives) the supervoxel folders; empty means `root`.
  std::filesystem::path supervoxel_root;
  /// Supervoxel file, relative to supervoxel_root, with `{id}` and `{n_sv}`.
  std::string supervoxel_pattern = "supervoxels_{n_sv}/superpix-MIDDLE_{id}.nii.gz";
  /// Felzenszwalb min_size, which sets the supervoxel size (5000 for ABD-MRI, 2000 for ABD-CT).
  int n_sv = 5000;
  /// Organ name -> label value in the label maps.
  std::map<std::string, int> labels;
  /// Evaluation folds: sets of indices into the id-sorted volume list (any order in the file;
  /// used in ascending order, the last being the support volume).
  std::vector<std::vector<int>> folds;
  /// How the volumes are stored, for segmenting scans of other origins (`segment`): the axis
  /// codes of the voxel axes x, y, z (each the direction the axis runs towards: L/R, A/P,
  /// S/I; e.g. "LAS"), empty for "as the support scan"; and the in-plane extent of the stored
  /// slices in mm (ABD-MRI: 256 x 1.25), 0 for "each scan's own".
  std::string orientation;
  double field_of_view = 0.0;

  template <class V>
  void visit(V& v) {
    v.required("name", name);
    v.required("root", root);
    v.optional("image_pattern", image_pattern);
    v.optional("label_pattern", label_pattern);
    v.optional("supervoxel_root", supervoxel_root);
    v.optional("supervoxel_pattern", supervoxel_pattern);
    v.optional("n_sv", n_sv);
    v.required("labels", labels);
    v.required("folds", folds);
    v.optional("orientation", orientation);
    v.optional("field_of_view", field_of_view);
  }

  template <class V>
  void validate(V& v) const {
    if (n_sv <= 0) v.invalid("n_sv", "must be positive");
    if (image_pattern.find("{id}") == std::string::npos) v.invalid("image_pattern", "needs {id}");
    if (label_pattern.find("{id}") == std::string::npos) v.invalid("label_pattern", "needs {id}");
    if (supervoxel_pattern.find("{id}") == std::string::npos) {
      v.invalid("supervoxel_pattern", "needs {id}");
    }
    if (!orientation.empty() && !valid_orientation(orientation)) {
      v.invalid("orientation", "must be three axis codes, one of L/R, A/P and S/I each, e.g. LAS");
    }
    if (field_of_view < 0) v.invalid("field_of_view", "must be >= 0 (0: each scan's own)");
    for (const auto& [organ, value] : labels) {
      if (value <= 0) v.invalid("labels", "label of '" + organ + "' must be positive");
    }
    for (const auto& fold : folds) {
      if (fold.empty()) v.invalid("folds", "a fold is empty");
      std::set<int> seen;
      for (int index : fold) {
        if (index < 0) v.invalid("folds", "negative volume index " + std::to_string(index));
        if (!seen.insert(index).second) {
          v.invalid("folds", "volume index " + std::to_string(index) + " appears twice in a fold");
        }
      }
    }
  }
};

/// Replaces every `{name}` in `pattern` with `value`.
std::string expand_pattern(std::string pattern, const std::string& name, const std::string& value);

}  // namespace protoseg::data
