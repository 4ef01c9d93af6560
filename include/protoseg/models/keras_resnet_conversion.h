#pragma once

#include "protoseg/io/tfjs_weights.h"
#include "protoseg/io/torch_state_dict.h"

namespace protoseg::models {

/// Converts Keras' ImageNet ResNet-50 (keras.applications naming: conv1, bn_conv1,
/// res{2..5}{a..f}_branch{1,2a,2b,2c}, bn..., fc1000) to torchvision parameter names and layout,
/// for a ResNet built with `stride_in_1x1(true)` (Keras puts the stride in the first 1x1):
/// - kernels HWIO -> OIHW, dense [in, out] -> [out, in];
/// - convolution biases folded into the following BatchNorm's running mean (exact in eval mode;
///   in train mode BatchNorm removes any bias anyway);
/// - Keras' BatchNorm epsilon folded into the running variance for torch's 1e-5;
/// - conv1's input channels reversed, so the network takes RGB like torchvision models.
/// Inputs then need Caffe-style preprocessing: RGB in [0, 255] minus
/// kImageNetCaffeMeanRgb, no scaling. Throws std::runtime_error naming a missing weight.
io::StateDict convert_keras_resnet50(const io::TfjsModel& keras);

/// Per-channel RGB mean of Caffe-style ImageNet preprocessing (0-255 scale).
inline constexpr double kImageNetCaffeMeanRgb[3] = {123.68, 116.779, 103.939};

}  // namespace protoseg::models
