#include "protoseg/models/guide_layer.h"

#include <cmath>

#include <torch/torch.h>

#include "protoseg/core/precision.h"

namespace protoseg::models {

torch::Tensor sinusoidal_positions(int64_t count, int64_t dim,
                                   const torch::TensorOptions& options) {
  const torch::Tensor position = torch::arange(count, options).unsqueeze(1);
  const torch::Tensor frequency = torch::exp(torch::arange(0, dim, 2, options) *
                                             (-std::log(10000.0) / static_cast<double>(dim)));
  torch::Tensor table = torch::zeros({count, dim}, options);
  table.index_put_({torch::indexing::Slice(), torch::indexing::Slice(0, torch::indexing::None, 2)},
                   torch::sin(position * frequency));
  table.index_put_({torch::indexing::Slice(), torch::indexing::Slice(1, torch::indexing::None, 2)},
                   torch::cos(position * frequency).slice(1, 0, dim / 2));
  return table;
}

GuideLayerImpl::GuideLayerImpl(int64_t channels_, int64_t text_dim_, int64_t cross_heads_,
                               double initial_scale_)
    : channels(channels_),
      text_dim(text_dim_),
      cross_heads(cross_heads_),
      initial_scale(initial_scale_) {
  reset();
}

void GuideLayerImpl::reset() {
  TORCH_CHECK(channels % cross_heads == 0, "guide layer: ", channels,
              " channels are not divisible by ", cross_heads, " heads");
  auto norm = [&](const char* name) {
    return register_module(name, torch::nn::LayerNorm(torch::nn::LayerNormOptions({channels})));
  };
  norm_self = norm("norm_self");
  norm_cross = norm("norm_cross");
  norm_self_out = norm("norm_self_out");
  norm_cross_out = norm("norm_cross_out");
  self_attention = register_module(
      "self_attention", torch::nn::MultiheadAttention(
                            torch::nn::MultiheadAttentionOptions(channels, /*num_heads=*/1)));
  cross_attention = register_module(
      "cross_attention",
      torch::nn::MultiheadAttention(torch::nn::MultiheadAttentionOptions(channels, cross_heads)));
  text_projection = register_module("text_projection", torch::nn::Linear(text_dim, channels));
  scale = register_parameter("scale", torch::tensor(initial_scale));
}

torch::Tensor GuideLayerImpl::forward(const torch::Tensor& visual, const torch::Tensor& text,
                                      const torch::Tensor& text_mask, torch::Tensor* attention) {
  TORCH_CHECK(visual.dim() == 3 && visual.size(2) == channels, "guide layer: visual ",
              visual.sizes(), " must be [B, N, ", channels, "]");
  TORCH_CHECK(text.dim() == 3 && text.size(0) == visual.size(0) && text.size(2) == text_dim,
              "guide layer: text ", text.sizes(), " must be [B, L, ", text_dim, "]");
  TORCH_CHECK(text_mask.sizes() == text.sizes().slice(0, 2), "guide layer: text mask ",
              text_mask.sizes(), " must be [B, L] like text ", text.sizes());
  // Attention runs in float32: LibTorch 1.13's CPU attention cannot mask bfloat16 scores, and
  // these layers are a small share of the cost.
  core::AutocastDisabledGuard full_precision;
  const torch::Tensor visual_in = visual.to(torch::kFloat);
  const torch::TensorOptions options = visual_in.options();
  const torch::Tensor visual_positions = sinusoidal_positions(visual.size(1), channels, options);
  const torch::Tensor text_positions = sinusoidal_positions(text.size(1), channels, options);
  const torch::Tensor words = torch::leaky_relu(text_projection(text.to(torch::kFloat)));

  // MultiheadAttention is sequence-first: [N, B, C].
  torch::Tensor x = norm_self(visual_in);
  torch::Tensor query = (x + visual_positions).transpose(0, 1);
  torch::Tensor attended = std::get<0>(self_attention(query, query, x.transpose(0, 1)));
  torch::Tensor out = visual_in + norm_self_out(attended.transpose(0, 1));

  x = norm_cross(out);
  const auto [guided, weights] = cross_attention(
      (x + visual_positions).transpose(0, 1), (words + text_positions).transpose(0, 1),
      words.transpose(0, 1), /*key_padding_mask=*/text_mask.eq(0),
      /*need_weights=*/attention != nullptr);
  if (attention != nullptr) *attention = weights;
  return (out + scale * norm_cross_out(guided.transpose(0, 1))).to(visual.scalar_type());
}

}  // namespace protoseg::models
