#pragma once

#include <string>
#include <vector>

#include <torch/nn/module.h>

#include "protoseg/io/torch_state_dict.h"

namespace protoseg::models {

/// What load_state_dict found, by parameter or buffer name.
struct WeightLoadReport {
  std::vector<std::string> loaded;
  std::vector<std::string> missing;     ///< in the module, not in the file
  std::vector<std::string> unexpected;  ///< in the file, not in the module
  std::vector<std::string> mismatched;  ///< "name: file [..] vs module [..]"
  bool complete() const { return missing.empty() && unexpected.empty() && mismatched.empty(); }
  /// One paragraph listing every problem (up to a few names per kind).
  std::string summary() const;
};

/// Copies tensors from `state` into `module`'s parameters and buffers by name, as PyTorch's
/// `load_state_dict`. A file key `prefix + name` maps to module entry `name`; file keys outside
/// `prefix` and keys starting with one of `ignored_prefixes` (after removing `prefix`) are
/// skipped. With `strict`, any missing, unexpected or wrongly shaped entry throws
/// std::runtime_error carrying the summary, and nothing is copied.
WeightLoadReport load_state_dict(torch::nn::Module& module, const io::StateDict& state,
                                 bool strict = true, const std::string& prefix = "",
                                 const std::vector<std::string>& ignored_prefixes = {});

/// The module's parameters and buffers by name (detached CPU copies), for writing.
io::StateDict state_dict_of(const torch::nn::Module& module);

}  // namespace protoseg::models
