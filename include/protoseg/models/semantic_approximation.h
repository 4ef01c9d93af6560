#pragma once

#include <cstdint>

#include <torch/nn/module.h>
#include <torch/nn/pimpl.h>

namespace protoseg::models {

/// How the responses of the top-k query prototypes are combined.
enum class PsaAggregation {
  kWeightedSum,  ///< the paper: softmax over the k cosine scores, weighted sum of responses
  kTokens,       ///< the released code's "attention": the k responses are returned side by side
                 ///< as k * L tokens and fused by the decoder's cross-attention
};

/// Options of the Prototype-driven Semantic Approximation (ProLearn, Eq. 5-8).
struct SemanticApproximationOptions {
  SemanticApproximationOptions(int64_t prototypes, int64_t query_dim, int64_t tokens,
                               int64_t text_dim)
      : prototypes_(prototypes), query_dim_(query_dim), tokens_(tokens), text_dim_(text_dim) {}
  /// P = K surrogate labels x M sub-clusters (at most).
  TORCH_ARG(int64_t, prototypes);
  /// Size of the image query embedding.
  TORCH_ARG(int64_t, query_dim);
  /// L, tokens per response prototype.
  TORCH_ARG(int64_t, tokens);
  TORCH_ARG(int64_t, text_dim);
  TORCH_ARG(int64_t, top_k) = 3;
  TORCH_ARG(PsaAggregation, aggregation) = PsaAggregation::kWeightedSum;
};

/// The approximated text guidance of a batch.
struct SemanticResponse {
  torch::Tensor tokens;   ///< [B, L, text_dim] (weighted sum) or [B, k * L, text_dim] (tokens)
  torch::Tensor mask;     ///< [B, L] or [B, k * L], 1 where a token is real
  torch::Tensor indices;  ///< [B, k] chosen prototypes
  torch::Tensor weights;  ///< [B, k] softmax of their cosine scores (each row sums to 1)
};

/// The query space Q [P, query_dim] and response space R [P, L, text_dim] of ProLearn, both
/// learnable parameters (register them with the optimizer after `initialise`), and the token
/// mask of each response [P, L] as a buffer. Querying needs no text.
class SemanticApproximationImpl : public torch::nn::Module {
 public:
  explicit SemanticApproximationImpl(const SemanticApproximationOptions& options);
  void reset();
  /// Copies initial prototypes in: queries [P, query_dim], responses [P, L, text_dim],
  /// response_mask [P, L].
  void initialise(const torch::Tensor& queries, const torch::Tensor& responses,
                  const torch::Tensor& response_mask);
  /// image_queries [B, query_dim] -> cosine similarity to every query prototype, top-k,
  /// softmax over the k scores, responses aggregated.
  SemanticResponse forward(const torch::Tensor& image_queries);

  SemanticApproximationOptions options;
  torch::Tensor queries, responses, response_mask;

 private:
  torch::Tensor cached_unit_queries_;  // [query_dim, P], inference only
  int64_t cached_version_ = -1;
};
TORCH_MODULE(SemanticApproximation);

}  // namespace protoseg::models
