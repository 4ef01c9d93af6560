#pragma once

#include <array>
#include <cstdint>

#include <torch/nn/module.h>
#include <torch/nn/modules/batchnorm.h>
#include <torch/nn/modules/container/sequential.h>
#include <torch/nn/modules/conv.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/pimpl.h>

namespace protoseg::models {

/// Options of a ResNet (He et al., CVPR 2016) with torchvision's layout and parameter names,
/// so torchvision `state_dict` files load by name.
using StageDilation = std::array<bool, 3>;

struct ResNetOptions {
  /* implicit */ ResNetOptions(int64_t depth = 50) : depth_(depth) {}
  /// 18, 34 (basic blocks), 50, 101 or 152 (bottleneck blocks).
  TORCH_ARG(int64_t, depth);
  /// Per stage 2..4: use dilation instead of stride (torchvision's
  /// replace_stride_with_dilation). {false, true, true} gives output stride 8.
  TORCH_ARG(StageDilation, replace_stride_with_dilation) = {false, false, false};
  /// Size of the classifier `fc`; 0 leaves it out (feature extractor only).
  TORCH_ARG(int64_t, num_classes) = 1000;
  /// Bottleneck stride in the first 1x1 convolution (ResNet v1, Caffe/Keras weights) instead of
  /// the 3x3 one (v1.5, torchvision weights). Parameter names and shapes are the same.
  TORCH_ARG(bool, stride_in_1x1) = false;
};

/// torchvision's BasicBlock: two 3x3 convolutions (ResNet-18/34).
class BasicBlockImpl : public torch::nn::Module {
 public:
  BasicBlockImpl(int64_t in_channels, int64_t planes, int64_t stride, int64_t dilation,
                 bool downsample);
  /// x: [B, in_channels, H, W] -> [B, planes, H / stride, W / stride].
  torch::Tensor forward(const torch::Tensor& x);
  static constexpr int64_t kExpansion = 1;

  torch::nn::Conv2d conv1{nullptr}, conv2{nullptr};
  torch::nn::BatchNorm2d bn1{nullptr}, bn2{nullptr};
  torch::nn::Sequential downsample{nullptr};
};
TORCH_MODULE(BasicBlock);

/// torchvision's Bottleneck (ResNet v1.5: the stride sits in the 3x3 convolution, or in the
/// first 1x1 with `stride_in_1x1` as in ResNet v1).
class BottleneckImpl : public torch::nn::Module {
 public:
  BottleneckImpl(int64_t in_channels, int64_t planes, int64_t stride, int64_t dilation,
                 bool downsample, bool stride_in_1x1 = false);
  /// x: [B, in_channels, H, W] -> [B, 4 * planes, H / stride, W / stride].
  torch::Tensor forward(const torch::Tensor& x);
  static constexpr int64_t kExpansion = 4;

  torch::nn::Conv2d conv1{nullptr}, conv2{nullptr}, conv3{nullptr};
  torch::nn::BatchNorm2d bn1{nullptr}, bn2{nullptr}, bn3{nullptr};
  torch::nn::Sequential downsample{nullptr};
};
TORCH_MODULE(Bottleneck);

/// ResNet trunk with torchvision's module names (conv1, bn1, layer1..layer4, fc).
class ResNetImpl : public torch::nn::Module {
 public:
  explicit ResNetImpl(const ResNetOptions& options);
  void reset();

  /// x: [B, 3, H, W] -> layer4 features [B, C, H / s, W / s] with C = 512 (18/34) or 2048, and
  /// output stride s = 32 / 2^(number of dilated stages).
  torch::Tensor features(const torch::Tensor& x);
  /// x: [B, 3, H, W] -> class logits [B, num_classes] (needs num_classes > 0).
  torch::Tensor forward(const torch::Tensor& x);
  /// Channels of the layer4 output.
  int64_t feature_channels() const;

  ResNetOptions options;
  torch::nn::Conv2d conv1{nullptr};
  torch::nn::BatchNorm2d bn1{nullptr};
  torch::nn::Sequential layer1{nullptr}, layer2{nullptr}, layer3{nullptr}, layer4{nullptr};
  torch::nn::Linear fc{nullptr};
};
TORCH_MODULE(ResNet);

}  // namespace protoseg::models
