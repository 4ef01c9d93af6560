#pragma once

#include <cstdint>

#include <torch/nn/module.h>
#include <torch/nn/modules/activation.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/modules/normalization.h>
#include <torch/nn/pimpl.h>

namespace protoseg::models {

/// Sinusoidal positions (Vaswani et al. 2017): [count, dim] with sin on even and cos on odd
/// channels.
torch::Tensor sinusoidal_positions(int64_t count, int64_t dim, const torch::TensorOptions& options);

/// One language-guided decoder layer (GuideSeg, Zhong et al. MICCAI 2023): self-attention over
/// the visual tokens, then cross-attention from them to the text tokens, added with a learnable
/// scale (initially `initial_scale`, GuideSeg's 0.01). Queries and keys carry sinusoidal positions.
/// Text tokens are projected token by token (Linear + LeakyReLU), so each attention weight belongs
/// to one report token; padding tokens are masked out.
class GuideLayerImpl : public torch::nn::Module {
 public:
  GuideLayerImpl(int64_t channels, int64_t text_dim, int64_t cross_heads = 4,
                 double initial_scale = 0.01);
  void reset();
  /// visual [B, N, C], text [B, L, text_dim], text_mask [B, L] (1 = real token) ->
  /// [B, N, C]. When `attention` is given it receives the cross-attention weights [B, N, L]
  /// averaged over heads.
  torch::Tensor forward(const torch::Tensor& visual, const torch::Tensor& text,
                        const torch::Tensor& text_mask, torch::Tensor* attention = nullptr);

  int64_t channels, text_dim, cross_heads;
  double initial_scale;
  torch::nn::LayerNorm norm_self{nullptr}, norm_cross{nullptr}, norm_self_out{nullptr},
      norm_cross_out{nullptr};
  torch::nn::MultiheadAttention self_attention{nullptr}, cross_attention{nullptr};
  torch::nn::Linear text_projection{nullptr};
  torch::Tensor scale;
};
TORCH_MODULE(GuideLayer);

}  // namespace protoseg::models
