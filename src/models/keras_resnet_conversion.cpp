#include "protoseg/models/keras_resnet_conversion.h"

#include <stdexcept>
#include <string>

#include <torch/torch.h>

namespace protoseg::models {
namespace {

constexpr double kTorchBatchNormEpsilon = 1e-5;

const at::Tensor& weight(const io::TfjsModel& keras, const std::string& name) {
  const auto it = keras.weights.find(name);
  if (it == keras.weights.end()) {
    throw std::runtime_error("Keras ResNet-50 weight '" + name + "' not found");
  }
  return it->second;
}

// Keras conv `conv` (+ bias) followed by BatchNorm `bn` -> torchvision `conv_name`, `bn_name`.
void convert_conv_bn(const io::TfjsModel& keras, const std::string& conv, const std::string& bn,
                     const std::string& conv_name, const std::string& bn_name, io::StateDict& out) {
  out[conv_name + ".weight"] = weight(keras, conv + "/kernel").permute({3, 2, 0, 1}).contiguous();
  const at::Tensor bias = weight(keras, conv + "/bias");
  const auto eps = keras.batchnorm_epsilon.find(bn);
  const double keras_eps = eps == keras.batchnorm_epsilon.end() ? 1e-3 : eps->second;
  out[bn_name + ".weight"] = weight(keras, bn + "/gamma").clone();
  out[bn_name + ".bias"] = weight(keras, bn + "/beta").clone();
  // BN(conv(x) + b) with mean m equals BN(conv(x)) with mean m - b.
  out[bn_name + ".running_mean"] = weight(keras, bn + "/moving_mean") - bias;
  out[bn_name + ".running_var"] =
      weight(keras, bn + "/moving_variance") + (keras_eps - kTorchBatchNormEpsilon);
  out[bn_name + ".num_batches_tracked"] = torch::zeros({}, torch::kLong);
}

}  // namespace

io::StateDict convert_keras_resnet50(const io::TfjsModel& keras) {
  io::StateDict out;
  convert_conv_bn(keras, "conv1", "bn_conv1", "conv1", "bn1", out);
  // Keras expects BGR; reversing conv1's input channels makes the network take RGB.
  out["conv1.weight"] = out["conv1.weight"].flip({1}).contiguous();

  const int blocks[4] = {3, 4, 6, 3};
  for (int stage = 0; stage < 4; ++stage) {
    for (int block = 0; block < blocks[stage]; ++block) {
      const std::string keras_block = std::to_string(stage + 2) + static_cast<char>('a' + block);
      const std::string torch_block =
          "layer" + std::to_string(stage + 1) + "." + std::to_string(block);
      const char* branches[3] = {"2a", "2b", "2c"};
      for (int c = 0; c < 3; ++c) {
        convert_conv_bn(keras, "res" + keras_block + "_branch" + branches[c],
                        "bn" + keras_block + "_branch" + branches[c],
                        torch_block + ".conv" + std::to_string(c + 1),
                        torch_block + ".bn" + std::to_string(c + 1), out);
      }
      if (block == 0) {
        convert_conv_bn(keras, "res" + keras_block + "_branch1", "bn" + keras_block + "_branch1",
                        torch_block + ".downsample.0", torch_block + ".downsample.1", out);
      }
    }
  }
  out["fc.weight"] = weight(keras, "fc1000/kernel").t().contiguous();
  out["fc.bias"] = weight(keras, "fc1000/bias").clone();
  return out;
}

}  // namespace protoseg::models
