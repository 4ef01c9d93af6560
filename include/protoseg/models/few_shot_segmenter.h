#pragma once

#include <ATen/core/Tensor.h>
#include <torch/nn/module.h>
#include <torch/nn/pimpl.h>

#include "protoseg/models/few_shot_encoder.h"
#include "protoseg/models/tied_prototype_head.h"

namespace protoseg::models {

/// Everything one 1-way episode produces; h x w is the feature grid, H x W the image grid.
struct FewShotPrediction {
  at::Tensor support_features;     ///< [S, C, h, w] float32
  at::Tensor query_features;       ///< [Q, C, h, w] float32
  at::Tensor prototype;            ///< [1, C], mean of the S support prototypes
  at::Tensor threshold;            ///< T_S, [1]
  at::Tensor query_cosine;         ///< [Q, h, w] cosine of query features to the prototype
  at::Tensor query_foreground;     ///< [Q, 1, h, w] P(F|x) on the feature grid
  at::Tensor query_probabilities;  ///< [Q, 2, H, W] (background, foreground), bilinear
                                   ///< (align_corners = true) from the feature grid
};

/// The few-shot segmenter of ADNet and TPM: a shared encoder for support and query, one
/// foreground prototype by masked average pooling, and the tied prototype head.
class FewShotSegmenterImpl : public torch::nn::Module {
 public:
  FewShotSegmenterImpl(const FewShotEncoderOptions& encoder_options,
                       const TiedPrototypeHeadOptions& head_options);

  /// support_images [S, 1, H, W], support_masks [S, H, W] in {0, 1}, query_images [Q, 1, H, W].
  /// Support and query go through the encoder as one batch [S + Q] (BatchNorm statistics as in
  /// the reference). Encoder output is cast to float32, so the head runs in full precision
  /// under autocast.
  FewShotPrediction forward(const at::Tensor& support_images, const at::Tensor& support_masks,
                            const at::Tensor& query_images, double p_foreground = 0.5);

  /// Everything after the encoder, on given float32 features: support_features [S, C, h, w],
  /// support_masks [S, H, W], query_features [Q, C, h, w]; probabilities at H x W.
  FewShotPrediction predict(const at::Tensor& support_features, const at::Tensor& support_masks,
                            const at::Tensor& query_features, double p_foreground = 0.5);

  FewShotEncoder encoder{nullptr};
  TiedPrototypeHead head{nullptr};
};
TORCH_MODULE(FewShotSegmenter);

/// Upsamples [B, 1, h, w] foreground probabilities to [B, 2, H, W] (background, foreground)
/// with bilinear interpolation (align_corners = true), as the references do.
at::Tensor two_class_probabilities(const at::Tensor& foreground, int64_t height, int64_t width);

}  // namespace protoseg::models
