#include "protoseg/models/text_guided_segmenter.h"

#include <torch/torch.h>

namespace protoseg::models {

TextGuidedSegmenterImpl::TextGuidedSegmenterImpl(const LanguageGuidedUNetOptions& unet_options,
                                                 std::shared_ptr<TextEncoderImpl> encoder) {
  TORCH_CHECK(unet_options.guided(), "a text-guided segmenter needs a guided U-Net");
  TORCH_CHECK(encoder->dim() == unet_options.text_dim(), "text encoder features (", encoder->dim(),
              ") differ from the U-Net's text_dim (", unet_options.text_dim(), ")");
  unet = register_module("unet", LanguageGuidedUNet(unet_options));
  text_encoder = register_module("text_encoder", std::move(encoder));
}

torch::Tensor TextGuidedSegmenterImpl::forward(const torch::Tensor& images,
                                               const torch::Tensor& ids,
                                               const torch::Tensor& attention_mask) {
  return unet->forward(images, text_encoder->forward(ids, attention_mask), attention_mask);
}

}  // namespace protoseg::models
