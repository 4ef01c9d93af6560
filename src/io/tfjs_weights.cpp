#include "protoseg/io/tfjs_weights.h"

#include <fstream>
#include <stdexcept>

#include <torch/torch.h>
#include <nlohmann/json.hpp>

namespace protoseg::io {

TfjsModel read_tfjs_model(const std::filesystem::path& model_json) {
  const std::string name = model_json.string();
  std::ifstream in(model_json);
  if (!in) throw std::runtime_error(name + ": file not found");
  const auto model = nlohmann::json::parse(in, nullptr, /*allow_exceptions=*/false);
  if (model.is_discarded() || !model.contains("weightsManifest")) {
    throw std::runtime_error(name + ": not a TensorFlow.js model.json (no weightsManifest)");
  }

  TfjsModel out;
  const auto layers = model["modelTopology"]["model_config"]["config"]["layers"];
  for (const auto& layer : layers) {
    if (layer.value("class_name", "") == "BatchNormalization") {
      out.batchnorm_epsilon[layer["config"]["name"].get<std::string>()] =
          layer["config"].value("epsilon", 1e-3);
    }
  }

  for (const auto& group : model["weightsManifest"]) {
    std::string bytes;
    for (const auto& shard : group["paths"]) {
      const auto path = model_json.parent_path() / shard.get<std::string>();
      std::ifstream shard_in(path, std::ios::binary);
      if (!shard_in) throw std::runtime_error(path.string() + ": weight shard not found");
      bytes.append(std::istreambuf_iterator<char>(shard_in), {});
    }
    size_t offset = 0;
    for (const auto& weight : group["weights"]) {
      const std::string weight_name = weight["name"].get<std::string>();
      if (weight.value("dtype", "float32") != "float32" || weight.contains("quantization")) {
        throw std::runtime_error(name + ": weight " + weight_name + " is not plain float32");
      }
      const std::vector<int64_t> shape = weight["shape"].get<std::vector<int64_t>>();
      int64_t numel = 1;
      for (int64_t d : shape) numel *= d;
      const size_t size = static_cast<size_t>(numel) * sizeof(float);
      if (offset + size > bytes.size()) {
        throw std::runtime_error(name + ": shards end inside weight " + weight_name);
      }
      at::Tensor tensor = torch::empty(shape, torch::kFloat);
      std::memcpy(tensor.data_ptr<float>(), bytes.data() + offset, size);
      offset += size;
      out.weights[weight_name] = tensor;
    }
    if (offset != bytes.size()) {
      throw std::runtime_error(name + ": shards hold " + std::to_string(bytes.size() - offset) +
                               " bytes beyond the manifest");
    }
  }
  return out;
}

}  // namespace protoseg::io
