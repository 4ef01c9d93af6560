#pragma once

#include <filesystem>
#include <map>
#include <string>

#include <ATen/core/Tensor.h>

namespace protoseg::io {

/// The weights of a TensorFlow.js layers model: `model.json` with its `weightsManifest` and the
/// binary shards it lists (read in order as one little-endian stream). Tensors keep the Keras
/// layout (convolution kernels HWIO, dense kernels [in, out]).
struct TfjsModel {
  /// Weight name (e.g. "res2a_branch2a/kernel") -> float32 tensor.
  std::map<std::string, at::Tensor> weights;
  /// Per BatchNormalization layer name, its epsilon from the model topology.
  std::map<std::string, double> batchnorm_epsilon;
};

/// Reads `model_json` and its shards. Throws std::runtime_error naming the file for a missing
/// shard, a shard size that disagrees with the manifest, or a non-float32 weight.
TfjsModel read_tfjs_model(const std::filesystem::path& model_json);

}  // namespace protoseg::io
