#include "protoseg/models/prolearn_segmenter.h"

#include <torch/torch.h>

namespace protoseg::models {

ProLearnSegmenterImpl::ProLearnSegmenterImpl(const LanguageGuidedUNetOptions& unet_options,
                                             const SemanticApproximationOptions& psa_options) {
  TORCH_CHECK(unet_options.guided(), "ProLearn needs a guided U-Net");
  TORCH_CHECK(psa_options.text_dim() == unet_options.text_dim(), "PSA responses (",
              psa_options.text_dim(), ") differ from the U-Net's text_dim (",
              unet_options.text_dim(), ")");
  unet = register_module("unet", LanguageGuidedUNet(unet_options));
  TORCH_CHECK(psa_options.query_dim() == unet->query_dim(), "PSA queries (",
              psa_options.query_dim(), ") differ from the U-Net's pooled features (",
              unet->query_dim(), ")");
  psa = register_module("psa", SemanticApproximation(psa_options));
}

torch::Tensor ProLearnSegmenterImpl::forward(const torch::Tensor& images) {
  const UNetFeatures features = unet->encode(images);
  const SemanticResponse guidance = psa->forward(features.pooled().detach().to(torch::kFloat));
  return unet->decode(features, guidance.tokens, guidance.mask);
}

}  // namespace protoseg::models
