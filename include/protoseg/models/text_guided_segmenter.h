#pragma once

#include <memory>

#include <torch/nn/module.h>
#include <torch/nn/pimpl.h>

#include "protoseg/models/language_guided_unet.h"
#include "protoseg/models/text_encoder.h"

namespace protoseg::models {

/// The text-requiring segmenter (GuideSeg style, ProLearn's teacher): a language-guided U-Net
/// fed the token features of the report by a text encoder.
class TextGuidedSegmenterImpl : public torch::nn::Module {
 public:
  TextGuidedSegmenterImpl(const LanguageGuidedUNetOptions& unet_options,
                          std::shared_ptr<TextEncoderImpl> text_encoder);
  /// images [B, 1, H, W], report token ids and mask [B, L] -> logits [B, 1, H, W].
  torch::Tensor forward(const torch::Tensor& images, const torch::Tensor& ids,
                        const torch::Tensor& attention_mask);

  LanguageGuidedUNet unet{nullptr};
  std::shared_ptr<TextEncoderImpl> text_encoder;
};
TORCH_MODULE(TextGuidedSegmenter);

}  // namespace protoseg::models
