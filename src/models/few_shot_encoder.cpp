#include "protoseg/models/few_shot_encoder.h"

#include <torch/torch.h>

namespace protoseg::models {

FewShotEncoderImpl::FewShotEncoderImpl(const FewShotEncoderOptions& options_) : options(options_) {
  reset();
}

void FewShotEncoderImpl::reset() {
  TORCH_CHECK(options.input_mean().size() == options.input_std().size() &&
                  (options.input_mean().empty() || options.input_mean().size() == 3),
              "input_mean and input_std need 3 values each (or none), got ",
              options.input_mean().size(), " and ", options.input_std().size());
  StageDilation dilation{false, false, false};
  switch (options.output_stride()) {
    case 8: dilation = {false, true, true}; break;
    case 16: dilation = {false, false, true}; break;
    case 32: break;
    default: TORCH_CHECK(false, "output_stride must be 8, 16 or 32, got ", options.output_stride());
  }
  backbone = register_module("backbone", ResNet(ResNetOptions(options.depth())
                                                    .replace_stride_with_dilation(dilation)
                                                    .num_classes(0)
                                                    .stride_in_1x1(options.stride_in_1x1())));
  projection = register_module(
      "projection", torch::nn::Conv2d(torch::nn::Conv2dOptions(backbone->feature_channels(),
                                                               options.out_channels(), 1)
                                          .bias(false)));
  if (options.channels_last()) {
    torch::NoGradGuard no_grad;
    for (auto& parameter : parameters()) {
      if (parameter.dim() == 4) {
        parameter.set_data(parameter.contiguous(torch::MemoryFormat::ChannelsLast));
      }
    }
  }
}

torch::Tensor FewShotEncoderImpl::forward(const torch::Tensor& images) {
  TORCH_CHECK(images.dim() == 4 && (images.size(1) == 1 || images.size(1) == 3),
              "FewShotEncoder expects [B,1,H,W] or [B,3,H,W], got ", images.sizes());
  torch::Tensor rgb = images.size(1) == 1 ? images.expand({-1, 3, -1, -1}) : images;
  if (!options.input_mean().empty()) {
    const auto channel = [&](const std::vector<double>& values) {
      return torch::tensor(values, images.options()).reshape({1, 3, 1, 1});
    };
    rgb = (rgb - channel(options.input_mean())) / channel(options.input_std());
  }
  if (!options.channels_last()) return projection(backbone->features(rgb));
  return projection(backbone->features(rgb.contiguous(torch::MemoryFormat::ChannelsLast)));
}

}  // namespace protoseg::models
