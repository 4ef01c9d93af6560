#pragma once

#include <cstdint>
#include <vector>

#include <torch/nn/module.h>
#include <torch/nn/modules/conv.h>
#include <torch/nn/pimpl.h>

#include "protoseg/models/resnet.h"

namespace protoseg::models {

/// Options of the few-shot feature extractor of ADNet/TPM.
struct FewShotEncoderOptions {
  /// ResNet depth: 18, 34, 50, 101 (the papers) or 152.
  TORCH_ARG(int64_t, depth) = 101;
  /// Output stride 8 (layer3 dilation 2, layer4 dilation 4) as in the papers; 16 dilates only
  /// layer4, 32 keeps torchvision's strides.
  TORCH_ARG(int64_t, output_stride) = 8;
  /// Channels after the bias-free 1x1 projection of layer4.
  TORCH_ARG(int64_t, out_channels) = 256;
  /// ResNet v1 bottlenecks (stride in the first 1x1), for Caffe/Keras-converted weights.
  TORCH_ARG(bool, stride_in_1x1) = false;
  /// Keep convolution weights and activations channels-last (NHWC): oneDNN's bf16 kernels on
  /// CPU and tensor cores on GPU run about twice as fast that way. Results are the same.
  TORCH_ARG(bool, channels_last) = true;
  /// Per-channel normalisation `(x - mean) / std` after the grayscale input is repeated to 3
  /// channels; empty (the papers' setting for z-scored MRI/CT) leaves the input as it is.
  TORCH_ARG(std::vector<double>, input_mean) = {};
  TORCH_ARG(std::vector<double>, input_std) = {};
};

/// ResNet trunk (torchvision names, under `backbone.`) whose layer4 output goes through a
/// bias-free 1x1 convolution (`projection`). Grayscale input is repeated to 3 channels.
class FewShotEncoderImpl : public torch::nn::Module {
 public:
  explicit FewShotEncoderImpl(const FewShotEncoderOptions& options = {});
  void reset();

  /// images: [B, 1 or 3, H, W] -> features [B, out_channels, H / s, W / s], s = output_stride.
  torch::Tensor forward(const torch::Tensor& images);

  FewShotEncoderOptions options;
  ResNet backbone{nullptr};
  torch::nn::Conv2d projection{nullptr};
};
TORCH_MODULE(FewShotEncoder);

}  // namespace protoseg::models
