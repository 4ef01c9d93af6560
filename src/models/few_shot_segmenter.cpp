#include "protoseg/models/few_shot_segmenter.h"

#include <torch/torch.h>

#include "protoseg/core/precision.h"
#include "protoseg/models/prototype_ops.h"

namespace protoseg::models {

at::Tensor two_class_probabilities(const at::Tensor& foreground, int64_t height, int64_t width) {
  const at::Tensor upsampled = upsample_aligned(foreground, height, width);
  return torch::cat({1.0 - upsampled, upsampled}, 1);
}

FewShotSegmenterImpl::FewShotSegmenterImpl(const FewShotEncoderOptions& encoder_options,
                                           const TiedPrototypeHeadOptions& head_options) {
  encoder = register_module("encoder", FewShotEncoder(encoder_options));
  head = register_module("head", TiedPrototypeHead(head_options));
}

FewShotPrediction FewShotSegmenterImpl::forward(const at::Tensor& support_images,
                                                const at::Tensor& support_masks,
                                                const at::Tensor& query_images,
                                                double p_foreground) {
  TORCH_CHECK(support_images.dim() == 4 && query_images.dim() == 4 &&
                  support_images.sizes().slice(1) == query_images.sizes().slice(1),
              "support and query images must be [N,1,H,W] of one size, got ",
              support_images.sizes(), " and ", query_images.sizes());
  TORCH_CHECK(support_masks.dim() == 3 && support_masks.size(0) == support_images.size(0) &&
                  support_masks.size(1) == support_images.size(2) &&
                  support_masks.size(2) == support_images.size(3),
              "support masks must be [S,H,W] matching the images, got ", support_masks.sizes());
  const int64_t shots = support_images.size(0);
  const at::Tensor features =
      encoder(torch::cat({support_images, query_images}, 0)).to(torch::kFloat);
  return predict(features.slice(0, 0, shots), support_masks, features.slice(0, shots),
                 p_foreground);
}

FewShotPrediction FewShotSegmenterImpl::predict(const at::Tensor& support_features,
                                                const at::Tensor& support_masks,
                                                const at::Tensor& query_features,
                                                double p_foreground) {
  // Under bf16 autocast only the encoder runs in bf16; prototypes and probabilities do not.
  const core::AutocastDisabledGuard full_precision;
  FewShotPrediction out;
  out.support_features = support_features;
  out.query_features = query_features;
  out.prototype = masked_average_pooling(out.support_features, support_masks.to(torch::kFloat))
                      .mean(0, /*keepdim=*/true);
  out.threshold = head->threshold(p_foreground);
  const int64_t queries = out.query_features.size(0);
  out.query_cosine = prototype_cosine(out.query_features, out.prototype.expand({queries, -1}));
  out.query_foreground = head->foreground_probability(head->anomaly_score(out.query_cosine),
                                                      out.threshold, p_foreground)
                             .unsqueeze(1);
  out.query_probabilities =
      two_class_probabilities(out.query_foreground, support_masks.size(1), support_masks.size(2));
  return out;
}

}  // namespace protoseg::models
