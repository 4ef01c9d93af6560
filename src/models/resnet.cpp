#include "protoseg/models/resnet.h"

#include <torch/nn/functional/pooling.h>
#include <torch/torch.h>

namespace protoseg::models {
namespace {

namespace nn = torch::nn;

nn::Conv2d conv(int64_t in, int64_t out, int64_t kernel, int64_t stride = 1, int64_t dilation = 1) {
  const int64_t padding = kernel == 3 ? dilation : (kernel - 1) / 2;
  return nn::Conv2d(nn::Conv2dOptions(in, out, kernel)
                        .stride(stride)
                        .padding(padding)
                        .dilation(dilation)
                        .bias(false));
}

// Downsampling shortcut: 1x1 convolution + BatchNorm, named "0" and "1" as in torchvision.
nn::Sequential shortcut(int64_t in, int64_t out, int64_t stride) {
  return nn::Sequential(conv(in, out, 1, stride), nn::BatchNorm2d(out));
}

struct StageLayout {
  int64_t blocks[4];
  bool bottleneck;
};

StageLayout layout_of(int64_t depth) {
  switch (depth) {
    case 18: return {{2, 2, 2, 2}, false};
    case 34: return {{3, 4, 6, 3}, false};
    case 50: return {{3, 4, 6, 3}, true};
    case 101: return {{3, 4, 23, 3}, true};
    case 152: return {{3, 8, 36, 3}, true};
    default: TORCH_CHECK(false, "ResNet depth must be 18, 34, 50, 101 or 152, got ", depth);
  }
}

}  // namespace

BasicBlockImpl::BasicBlockImpl(int64_t in_channels, int64_t planes, int64_t stride,
                               int64_t dilation, bool with_downsample) {
  TORCH_CHECK(dilation == 1, "BasicBlock does not support dilation > 1 (as in torchvision)");
  conv1 = register_module("conv1", conv(in_channels, planes, 3, stride));
  bn1 = register_module("bn1", nn::BatchNorm2d(planes));
  conv2 = register_module("conv2", conv(planes, planes, 3));
  bn2 = register_module("bn2", nn::BatchNorm2d(planes));
  if (with_downsample) {
    downsample = register_module("downsample", shortcut(in_channels, planes, stride));
  }
}

torch::Tensor BasicBlockImpl::forward(const torch::Tensor& x) {
  torch::Tensor out = torch::relu(bn1(conv1(x)));
  out = bn2(conv2(out));
  return torch::relu(out + (downsample ? downsample->forward(x) : x));
}

BottleneckImpl::BottleneckImpl(int64_t in_channels, int64_t planes, int64_t stride,
                               int64_t dilation, bool with_downsample, bool stride_in_1x1) {
  conv1 = register_module("conv1", conv(in_channels, planes, 1, stride_in_1x1 ? stride : 1));
  bn1 = register_module("bn1", nn::BatchNorm2d(planes));
  conv2 = register_module("conv2", conv(planes, planes, 3, stride_in_1x1 ? 1 : stride, dilation));
  bn2 = register_module("bn2", nn::BatchNorm2d(planes));
  conv3 = register_module("conv3", conv(planes, planes * kExpansion, 1));
  bn3 = register_module("bn3", nn::BatchNorm2d(planes * kExpansion));
  if (with_downsample) {
    downsample = register_module("downsample", shortcut(in_channels, planes * kExpansion, stride));
  }
}

torch::Tensor BottleneckImpl::forward(const torch::Tensor& x) {
  torch::Tensor out = torch::relu(bn1(conv1(x)));
  out = torch::relu(bn2(conv2(out)));
  out = bn3(conv3(out));
  return torch::relu(out + (downsample ? downsample->forward(x) : x));
}

ResNetImpl::ResNetImpl(const ResNetOptions& options_) : options(options_) { reset(); }

void ResNetImpl::reset() {
  const StageLayout layout = layout_of(options.depth());
  const int64_t expansion =
      layout.bottleneck ? BottleneckImpl::kExpansion : BasicBlockImpl::kExpansion;
  conv1 = register_module("conv1",
                          nn::Conv2d(nn::Conv2dOptions(3, 64, 7).stride(2).padding(3).bias(false)));
  bn1 = register_module("bn1", nn::BatchNorm2d(64));

  int64_t in_channels = 64;
  int64_t dilation = 1;
  auto make_stage = [&](int64_t planes, int64_t blocks, int64_t stride, bool dilate) {
    const int64_t previous_dilation = dilation;
    if (dilate) {
      dilation *= stride;
      stride = 1;
    }
    nn::Sequential stage;
    const bool with_downsample = stride != 1 || in_channels != planes * expansion;
    for (int64_t b = 0; b < blocks; ++b) {
      // As torchvision: the first block uses the previous dilation and carries the stride.
      const int64_t block_stride = b == 0 ? stride : 1;
      const int64_t block_dilation = b == 0 ? previous_dilation : dilation;
      const bool block_downsample = b == 0 && with_downsample;
      if (layout.bottleneck) {
        stage->push_back(Bottleneck(in_channels, planes, block_stride, block_dilation,
                                    block_downsample, options.stride_in_1x1()));
      } else {
        stage->push_back(
            BasicBlock(in_channels, planes, block_stride, block_dilation, block_downsample));
      }
      in_channels = planes * expansion;
    }
    return stage;
  };
  const auto& dilate = options.replace_stride_with_dilation();
  layer1 = register_module("layer1", make_stage(64, layout.blocks[0], 1, false));
  layer2 = register_module("layer2", make_stage(128, layout.blocks[1], 2, dilate[0]));
  layer3 = register_module("layer3", make_stage(256, layout.blocks[2], 2, dilate[1]));
  layer4 = register_module("layer4", make_stage(512, layout.blocks[3], 2, dilate[2]));
  if (options.num_classes() > 0) {
    fc = register_module("fc", nn::Linear(512 * expansion, options.num_classes()));
  }

  // torchvision's initialisation: Kaiming normal (fan_out) for convolutions, BN weight 1, bias 0.
  for (auto& module : modules(/*include_self=*/false)) {
    if (auto* c = module->as<nn::Conv2d>()) {
      nn::init::kaiming_normal_(c->weight, 0.0, torch::kFanOut, torch::kReLU);
    } else if (auto* bn = module->as<nn::BatchNorm2d>()) {
      nn::init::ones_(bn->weight);
      nn::init::zeros_(bn->bias);
    }
  }
}

int64_t ResNetImpl::feature_channels() const {
  return layout_of(options.depth()).bottleneck ? 2048 : 512;
}

torch::Tensor ResNetImpl::features(const torch::Tensor& x) {
  TORCH_CHECK(x.dim() == 4 && x.size(1) == 3, "ResNet expects [B,3,H,W], got ", x.sizes());
  torch::Tensor out = torch::relu(bn1(conv1(x)));
  out = torch::max_pool2d(out, /*kernel_size=*/3, /*stride=*/2, /*padding=*/1);
  out = layer1->forward(out);
  out = layer2->forward(out);
  out = layer3->forward(out);
  return layer4->forward(out);
}

torch::Tensor ResNetImpl::forward(const torch::Tensor& x) {
  TORCH_CHECK(fc, "ResNet built with num_classes = 0 has no classifier");
  torch::Tensor pooled = torch::adaptive_avg_pool2d(features(x), {1, 1}).flatten(1);
  return fc(pooled);
}

}  // namespace protoseg::models
