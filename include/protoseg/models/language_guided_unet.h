#pragma once

#include <array>
#include <cstdint>
#include <vector>

#include <torch/nn/module.h>
#include <torch/nn/modules/batchnorm.h>
#include <torch/nn/modules/container/modulelist.h>
#include <torch/nn/modules/conv.h>
#include <torch/nn/pimpl.h>

#include "protoseg/models/guide_layer.h"
#include "protoseg/models/resnet.h"

namespace protoseg::models {

/// Options of the language-guided U-Net.
struct LanguageGuidedUNetOptions {
  /* implicit */ LanguageGuidedUNetOptions(int64_t depth = 50) : depth_(depth) {}
  /// ResNet depth of the encoder (18, 34, 50, 101, 152).
  TORCH_ARG(int64_t, depth);
  /// ResNet v1 bottlenecks (for Keras/Caffe-converted ImageNet weights).
  TORCH_ARG(bool, stride_in_1x1) = false;
  /// Decoder widths at output strides 32, 16, 8 and 4.
  TORCH_ARG(std::vector<int64_t>, decoder_channels) = std::vector<int64_t>{256, 128, 64, 32};
  /// Feature size of the text tokens fed to the guide layers.
  TORCH_ARG(int64_t, text_dim) = 256;
  /// With false the decoder has no guide layers: the image-only U-Net baseline.
  TORCH_ARG(bool, guided) = true;
  /// Initial weight of each guide layer's text term (GuideSeg: 0.01).
  TORCH_ARG(double, guide_scale) = 0.01;
  /// Channels-last (NHWC) convolutions, faster in bf16 on CPU.
  TORCH_ARG(bool, channels_last) = true;
};

/// Encoder features at output strides 4, 8, 16 and 32 ([B, C_s, H/s, W/s]).
struct UNetFeatures {
  std::array<torch::Tensor, 4> levels;
  /// Global average of the stride-32 features [B, C_32]: the image's query embedding.
  torch::Tensor pooled() const;
};

/// One up-sampling step: 2x transposed convolution, concatenation with the skip features,
/// then a residual block of two 3x3 convolutions (UNETR's up block).
class UpBlockImpl : public torch::nn::Module {
 public:
  UpBlockImpl(int64_t in_channels, int64_t out_channels);
  /// x [B, in, h, w], skip [B, out, 2h, 2w] -> [B, out, 2h, 2w].
  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& skip);

  torch::nn::ConvTranspose2d up{nullptr};
  torch::nn::Conv2d conv1{nullptr}, conv2{nullptr}, shortcut{nullptr};
  torch::nn::BatchNorm2d bn1{nullptr}, bn2{nullptr}, bn_shortcut{nullptr};
};
TORCH_MODULE(UpBlock);

/// The language-guided U-Net of GuideSeg and ProLearn ("late fusion"): a ResNet encoder, and a
/// decoder whose three deepest stages (strides 32, 16, 8) first apply a GuideLayer
/// (self-attention, then cross-attention to the text tokens) and then up-sample with skip
/// connections; a sub-pixel head returns one logit per input pixel. Gray input is repeated to
/// 3 channels. H and W must be multiples of 32.
class LanguageGuidedUNetImpl : public torch::nn::Module {
 public:
  explicit LanguageGuidedUNetImpl(const LanguageGuidedUNetOptions& options);
  void reset();

  /// images [B, 1 or 3, H, W] -> encoder features.
  UNetFeatures encode(const torch::Tensor& images);
  /// Features (and, for a guided model, text tokens [B, L, text_dim] with mask [B, L]) ->
  /// logits [B, 1, 4 * h4, 4 * w4]. When `attention` is given, it receives the cross-attention
  /// weights [B, N_s, L] of each guide layer.
  torch::Tensor decode(const UNetFeatures& features, const torch::Tensor& text = {},
                       const torch::Tensor& text_mask = {},
                       std::vector<torch::Tensor>* attention = nullptr);
  /// encode then decode.
  torch::Tensor forward(const torch::Tensor& images, const torch::Tensor& text = {},
                        const torch::Tensor& text_mask = {});
  /// Channels of the stride-32 features (the size of UNetFeatures::pooled()).
  int64_t query_dim() const { return encoder->feature_channels(); }

  LanguageGuidedUNetOptions options;
  ResNet encoder{nullptr};
  torch::nn::ModuleList laterals{nullptr}, guides{nullptr}, ups{nullptr};
  torch::nn::Conv2d head_subpixel{nullptr}, head_out{nullptr};
};
TORCH_MODULE(LanguageGuidedUNet);

}  // namespace protoseg::models
