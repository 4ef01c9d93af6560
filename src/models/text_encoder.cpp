#include "protoseg/models/text_encoder.h"

#include <stdexcept>

#include <torch/script.h>
#include <torch/torch.h>

#include "protoseg/core/precision.h"

namespace protoseg::models {

TextTransformerImpl::TextTransformerImpl(const TextTransformerOptions& options_)
    : options(options_) {
  reset();
}

void TextTransformerImpl::reset() {
  TORCH_CHECK(options.dim() % options.heads() == 0, "text transformer: dim ", options.dim(),
              " is not divisible by heads ", options.heads());
  tokens = register_module("tokens", torch::nn::Embedding(options.vocab_size(), options.dim()));
  positions =
      register_module("positions", torch::nn::Embedding(options.max_length(), options.dim()));
  auto layer = torch::nn::TransformerEncoderLayerOptions(options.dim(), options.heads())
                   .dim_feedforward(options.feedforward())
                   .dropout(options.dropout())
                   .activation(torch::kGELU);
  encoder = register_module(
      "encoder",
      torch::nn::TransformerEncoder(torch::nn::TransformerEncoderOptions(layer, options.layers())));
  norm =
      register_module("norm", torch::nn::LayerNorm(torch::nn::LayerNormOptions({options.dim()})));
  torch::NoGradGuard no_grad;
  torch::nn::init::normal_(tokens->weight, 0.0, 0.02);
  torch::nn::init::normal_(positions->weight, 0.0, 0.02);
}

torch::Tensor TextTransformerImpl::forward(const torch::Tensor& ids,
                                           const torch::Tensor& attention_mask) {
  TORCH_CHECK(ids.dim() == 2 && ids.sizes() == attention_mask.sizes(), "text transformer: ids ",
              ids.sizes(), " and mask ", attention_mask.sizes(), " must both be [B, L]");
  TORCH_CHECK(ids.size(1) <= options.max_length(), "text transformer: ", ids.size(1),
              " tokens exceed max_length ", options.max_length());
  // Float32 throughout: LibTorch 1.13's CPU attention cannot mask bfloat16 scores.
  core::AutocastDisabledGuard full_precision;
  const torch::Tensor position_ids = torch::arange(ids.size(1), ids.options());
  const torch::Tensor x = tokens(ids) + positions(position_ids).unsqueeze(0);
  // TransformerEncoder is sequence-first: [L, B, D]; padding is masked with true.
  const torch::Tensor padding = attention_mask.eq(0);
  const torch::Tensor encoded =
      encoder->forward(x.transpose(0, 1), /*src_mask=*/torch::Tensor(), padding);
  return norm(encoded.transpose(0, 1));
}

ScriptedTextEncoderImpl::ScriptedTextEncoderImpl(const std::filesystem::path& file) : file_(file) {
  if (!std::filesystem::is_regular_file(file)) {
    throw std::runtime_error("TorchScript text encoder not found: " + file.string());
  }
  try {
    module_ = torch::jit::load(file.string());
  } catch (const c10::Error& error) {
    throw std::runtime_error("cannot load TorchScript text encoder " + file.string() + ": " +
                             error.what_without_backtrace());
  }
  module_.eval();
  torch::NoGradGuard no_grad;
  const torch::Tensor ids = torch::full({1, 4}, 2, torch::kLong);
  const torch::Tensor probe = forward(ids, torch::ones_like(ids));
  dim_ = probe.size(2);
}

torch::Tensor ScriptedTextEncoderImpl::forward(const torch::Tensor& ids,
                                               const torch::Tensor& attention_mask) {
  torch::Tensor features;
  try {
    features = module_.forward({ids, attention_mask}).toTensor();
  } catch (const c10::Error& error) {
    throw std::runtime_error("TorchScript text encoder " + file_.string() +
                             " failed: " + error.what_without_backtrace());
  }
  if (features.dim() != 3 || features.size(0) != ids.size(0) || features.size(1) != ids.size(1)) {
    std::ostringstream message;
    message << "TorchScript text encoder " << file_.string() << " returned " << features.sizes()
            << " for ids " << ids.sizes() << "; expected [B, L, D]";
    throw std::runtime_error(message.str());
  }
  return features.to(torch::kFloat);
}

void ScriptedTextEncoderImpl::to(torch::Device device, bool non_blocking) {
  module_.to(device, non_blocking);
  TextEncoderImpl::to(device, non_blocking);
}

}  // namespace protoseg::models
