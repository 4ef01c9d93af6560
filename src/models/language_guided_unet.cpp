#include "protoseg/models/language_guided_unet.h"

#include <torch/torch.h>

namespace protoseg::models {
namespace nn = torch::nn;

torch::Tensor UNetFeatures::pooled() const { return levels[3].mean({2, 3}); }

UpBlockImpl::UpBlockImpl(int64_t in_channels, int64_t out_channels) {
  up = register_module(
      "up", nn::ConvTranspose2d(
                nn::ConvTranspose2dOptions(in_channels, out_channels, 2).stride(2).bias(false)));
  auto conv = [](int64_t in, int64_t out, int64_t kernel) {
    return nn::Conv2d(nn::Conv2dOptions(in, out, kernel).padding(kernel / 2).bias(false));
  };
  conv1 = register_module("conv1", conv(2 * out_channels, out_channels, 3));
  conv2 = register_module("conv2", conv(out_channels, out_channels, 3));
  shortcut = register_module("shortcut", conv(2 * out_channels, out_channels, 1));
  bn1 = register_module("bn1", nn::BatchNorm2d(out_channels));
  bn2 = register_module("bn2", nn::BatchNorm2d(out_channels));
  bn_shortcut = register_module("bn_shortcut", nn::BatchNorm2d(out_channels));
}

torch::Tensor UpBlockImpl::forward(const torch::Tensor& x, const torch::Tensor& skip) {
  const torch::Tensor joined = torch::cat({up(x), skip}, 1);
  torch::Tensor out = torch::leaky_relu(bn1(conv1(joined)), 0.01);
  out = bn2(conv2(out));
  return torch::leaky_relu(out + bn_shortcut(shortcut(joined)), 0.01);
}

LanguageGuidedUNetImpl::LanguageGuidedUNetImpl(const LanguageGuidedUNetOptions& options_)
    : options(options_) {
  reset();
}

void LanguageGuidedUNetImpl::reset() {
  const auto& widths = options.decoder_channels();
  TORCH_CHECK(widths.size() == 4, "language-guided U-Net: decoder_channels needs 4 widths, got ",
              widths.size());
  encoder = register_module(
      "encoder",
      ResNet(ResNetOptions(options.depth()).num_classes(0).stride_in_1x1(options.stride_in_1x1())));
  const int64_t expansion = encoder->feature_channels() / 512;
  const std::array<int64_t, 4> encoder_channels = {64 * expansion, 128 * expansion, 256 * expansion,
                                                   512 * expansion};
  laterals = register_module("laterals", nn::ModuleList());
  for (size_t level = 0; level < 4; ++level) {
    // laterals[i] maps the stride 4 * 2^i features to the decoder width of that stride.
    laterals->push_back(
        nn::Conv2d(nn::Conv2dOptions(encoder_channels[level], widths[3 - level], 1).bias(false)));
  }
  guides = register_module("guides", nn::ModuleList());
  ups = register_module("ups", nn::ModuleList());
  for (size_t stage = 0; stage < 3; ++stage) {  // strides 32 -> 16 -> 8 -> 4
    if (options.guided()) {
      guides->push_back(
          GuideLayer(widths[stage], options.text_dim(), /*cross_heads=*/4, options.guide_scale()));
    }
    ups->push_back(UpBlock(widths[stage], widths[stage + 1]));
  }
  constexpr int64_t kHeadChannels = 16;
  head_subpixel = register_module(
      "head_subpixel", nn::Conv2d(nn::Conv2dOptions(widths[3], kHeadChannels * 16, 3).padding(1)));
  head_out = register_module("head_out", nn::Conv2d(nn::Conv2dOptions(kHeadChannels, 1, 1)));
}

UNetFeatures LanguageGuidedUNetImpl::encode(const torch::Tensor& images) {
  TORCH_CHECK(images.dim() == 4 && (images.size(1) == 1 || images.size(1) == 3),
              "language-guided U-Net: images ", images.sizes(), " must be [B, 1 or 3, H, W]");
  TORCH_CHECK(images.size(2) % 32 == 0 && images.size(3) % 32 == 0,
              "language-guided U-Net: image size ", images.size(2), " x ", images.size(3),
              " must be a multiple of 32");
  torch::Tensor x = images.size(1) == 1 ? images.expand({-1, 3, -1, -1}) : images;
  if (options.channels_last()) x = x.contiguous(torch::MemoryFormat::ChannelsLast);
  x = torch::max_pool2d(torch::relu(encoder->bn1(encoder->conv1(x))), 3, 2, 1);
  UNetFeatures features;
  features.levels[0] = encoder->layer1->forward(x);
  features.levels[1] = encoder->layer2->forward(features.levels[0]);
  features.levels[2] = encoder->layer3->forward(features.levels[1]);
  features.levels[3] = encoder->layer4->forward(features.levels[2]);
  return features;
}

torch::Tensor LanguageGuidedUNetImpl::decode(const UNetFeatures& features,
                                             const torch::Tensor& text,
                                             const torch::Tensor& text_mask,
                                             std::vector<torch::Tensor>* attention) {
  TORCH_CHECK(!options.guided() || text.defined(),
              "language-guided U-Net: a guided model needs text tokens");
  TORCH_CHECK(options.guided() || !text.defined(),
              "language-guided U-Net: the image-only model takes no text");
  auto lateral = [&](size_t level) {
    return laterals[level]->as<nn::Conv2d>()->forward(features.levels[level]);
  };
  torch::Tensor x = lateral(3);
  for (size_t stage = 0; stage < 3; ++stage) {
    if (options.guided()) {
      const int64_t batch = x.size(0), channels = x.size(1), h = x.size(2), w = x.size(3);
      const torch::Tensor tokens = x.flatten(2).transpose(1, 2);  // [B, h*w, C]
      torch::Tensor weights;
      const torch::Tensor guided = guides[stage]->as<GuideLayer>()->forward(
          tokens, text.to(tokens.scalar_type()), text_mask, attention ? &weights : nullptr);
      if (attention != nullptr) attention->push_back(weights);
      x = guided.transpose(1, 2).reshape({batch, channels, h, w});
      if (options.channels_last()) x = x.contiguous(torch::MemoryFormat::ChannelsLast);
    }
    x = ups[stage]->as<UpBlock>()->forward(x, lateral(2 - stage));
  }
  x = torch::pixel_shuffle(head_subpixel(x), 4);
  return head_out(x);
}

torch::Tensor LanguageGuidedUNetImpl::forward(const torch::Tensor& images,
                                              const torch::Tensor& text,
                                              const torch::Tensor& text_mask) {
  return decode(encode(images), text, text_mask);
}

}  // namespace protoseg::models
