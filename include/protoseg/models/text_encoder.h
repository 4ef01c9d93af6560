#pragma once

#include <cstdint>
#include <filesystem>

#include <torch/csrc/jit/api/module.h>
#include <torch/nn/module.h>
#include <torch/nn/modules/embedding.h>
#include <torch/nn/modules/normalization.h>
#include <torch/nn/modules/transformercoder.h>
#include <torch/nn/pimpl.h>

namespace protoseg::models {

/// Maps token ids [B, L] with their attention mask [B, L] (1 = real token) to token features
/// [B, L, dim()].
class TextEncoderImpl : public torch::nn::Module {
 public:
  virtual torch::Tensor forward(const torch::Tensor& ids, const torch::Tensor& attention_mask) = 0;
  virtual int64_t dim() const = 0;
};

/// Options of the small text transformer trained from scratch inside the text-guided teacher.
struct TextTransformerOptions {
  /* implicit */ TextTransformerOptions(int64_t vocab_size = 30522) : vocab_size_(vocab_size) {}
  TORCH_ARG(int64_t, vocab_size);
  /// Longest token sequence (learned positions).
  TORCH_ARG(int64_t, max_length) = 64;
  TORCH_ARG(int64_t, dim) = 256;
  TORCH_ARG(int64_t, layers) = 2;
  TORCH_ARG(int64_t, heads) = 4;
  TORCH_ARG(int64_t, feedforward) = 512;
  TORCH_ARG(double, dropout) = 0.1;
};

/// Token and position embeddings, transformer encoder layers (GELU) over the real tokens
/// (padding masked out of attention), final LayerNorm.
class TextTransformerImpl : public TextEncoderImpl {
 public:
  explicit TextTransformerImpl(const TextTransformerOptions& options);
  void reset();
  torch::Tensor forward(const torch::Tensor& ids, const torch::Tensor& attention_mask) override;
  int64_t dim() const override { return options.dim(); }

  TextTransformerOptions options;
  torch::nn::Embedding tokens{nullptr}, positions{nullptr};
  torch::nn::TransformerEncoder encoder{nullptr};
  torch::nn::LayerNorm norm{nullptr};
};
TORCH_MODULE(TextTransformer);

/// A frozen, exported text encoder (e.g. CXR-BERT or BiomedCLIP traced with torch.jit) whose
/// `forward(input_ids, attention_mask)` returns [B, L, D] token features. Its weights are not
/// trained; `to()` moves it with the model.
class ScriptedTextEncoderImpl : public TextEncoderImpl {
 public:
  /// Loads the TorchScript file and probes its feature size with one short sequence. Throws
  /// std::runtime_error naming the file when it cannot be loaded or returns another shape.
  explicit ScriptedTextEncoderImpl(const std::filesystem::path& file);
  torch::Tensor forward(const torch::Tensor& ids, const torch::Tensor& attention_mask) override;
  int64_t dim() const override { return dim_; }
  void to(torch::Device device, bool non_blocking = false) override;

 private:
  torch::jit::Module module_;
  std::filesystem::path file_;
  int64_t dim_ = 0;
};
TORCH_MODULE(ScriptedTextEncoder);

}  // namespace protoseg::models
