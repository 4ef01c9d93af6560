#include "protoseg/models/semantic_approximation.h"

#include <torch/torch.h>

namespace protoseg::models {

SemanticApproximationImpl::SemanticApproximationImpl(const SemanticApproximationOptions& options_)
    : options(options_) {
  reset();
}

void SemanticApproximationImpl::reset() {
  TORCH_CHECK(
      options.prototypes() >= 1 && options.top_k() >= 1 && options.top_k() <= options.prototypes(),
      "semantic approximation: need 1 <= top_k (", options.top_k(), ") <= prototypes (",
      options.prototypes(), ")");
  queries = register_parameter("queries",
                               torch::randn({options.prototypes(), options.query_dim()}) * 0.02);
  responses = register_parameter(
      "responses",
      torch::randn({options.prototypes(), options.tokens(), options.text_dim()}) * 0.02);
  response_mask = register_buffer(
      "response_mask", torch::ones({options.prototypes(), options.tokens()}, torch::kLong));
}

void SemanticApproximationImpl::initialise(const torch::Tensor& new_queries,
                                           const torch::Tensor& new_responses,
                                           const torch::Tensor& new_mask) {
  TORCH_CHECK(new_queries.sizes() == queries.sizes() &&
                  new_responses.sizes() == responses.sizes() &&
                  new_mask.sizes() == response_mask.sizes(),
              "semantic approximation: prototypes ", new_queries.sizes(), ", ",
              new_responses.sizes(), ", ", new_mask.sizes(), " do not match ", queries.sizes(),
              ", ", responses.sizes(), ", ", response_mask.sizes());
  torch::NoGradGuard no_grad;
  queries.copy_(new_queries);
  responses.copy_(new_responses);
  response_mask.copy_(new_mask);
}

SemanticResponse SemanticApproximationImpl::forward(const torch::Tensor& image_queries) {
  TORCH_CHECK(image_queries.dim() == 2 && image_queries.size(1) == options.query_dim(),
              "semantic approximation: image queries ", image_queries.sizes(), " must be [B, ",
              options.query_dim(), "]");
  namespace F = torch::nn::functional;
  const auto normalise = F::NormalizeFuncOptions().dim(1).eps(1e-8);
  // Inference reuses the normalised prototypes until they change (the version counter moves
  // on every in-place update, e.g. an optimizer step or load).
  torch::Tensor unit_queries;
  if (!is_training() && !torch::GradMode::is_enabled()) {
    if (!cached_unit_queries_.defined() || cached_version_ != queries._version() ||
        cached_unit_queries_.device() != queries.device()) {
      cached_unit_queries_ = F::normalize(queries, normalise).t().contiguous();
      cached_version_ = queries._version();
    }
    unit_queries = cached_unit_queries_;
  } else {
    unit_queries = F::normalize(queries, normalise).t();
  }
  const torch::Tensor scores =
      torch::matmul(F::normalize(image_queries.to(queries.dtype()), normalise), unit_queries);
  const auto [top_scores, top_indices] = scores.topk(options.top_k(), 1);
  SemanticResponse response;
  response.indices = top_indices;
  response.weights = torch::softmax(top_scores, 1);
  const int64_t batch = top_indices.size(0);
  const torch::Tensor chosen =
      responses.index_select(0, top_indices.flatten())
          .view({batch, options.top_k(), options.tokens() * options.text_dim()});
  const torch::Tensor chosen_mask = response_mask.index_select(0, top_indices.flatten())
                                        .view({batch, options.top_k(), options.tokens()});
  if (options.aggregation() == PsaAggregation::kWeightedSum) {
    response.tokens = torch::bmm(response.weights.unsqueeze(1), chosen)
                          .view({batch, options.tokens(), options.text_dim()});
    response.mask = chosen_mask.amax(1);
  } else {
    response.tokens = chosen.view({batch, options.top_k() * options.tokens(), options.text_dim()});
    response.mask = chosen_mask.flatten(1, 2);
  }
  return response;
}

}  // namespace protoseg::models
