#pragma once

#include <torch/nn/module.h>
#include <torch/nn/pimpl.h>

#include "protoseg/models/language_guided_unet.h"
#include "protoseg/models/semantic_approximation.h"

namespace protoseg::models {

/// ProLearn at training and inference time: the language-guided U-Net whose text guidance is
/// approximated by the PSA from the image alone. The query embedding is the U-Net's pooled
/// stride-32 features, detached (as the released code detaches its query embedding), so the
/// prototypes adapt to the encoder and not the reverse. No text is read.
class ProLearnSegmenterImpl : public torch::nn::Module {
 public:
  ProLearnSegmenterImpl(const LanguageGuidedUNetOptions& unet_options,
                        const SemanticApproximationOptions& psa_options);
  /// images [B, 1, H, W] -> logits [B, 1, H, W].
  torch::Tensor forward(const torch::Tensor& images);

  LanguageGuidedUNet unet{nullptr};
  SemanticApproximation psa{nullptr};
};
TORCH_MODULE(ProLearnSegmenter);

}  // namespace protoseg::models
