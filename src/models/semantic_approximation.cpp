#include "protoseg/models/semantic_approximation.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <vector>

#include <torch/torch.h>

#include "protoseg/core/precision.h"

namespace protoseg::models {
namespace {

/// Inference on the CPU without autograd: one BLAS product for the cosine scores, then top-k,
/// softmax and aggregation per image in plain loops over the k chosen responses. The same maths
/// as the tensor path below, at a fraction of its per-operator overhead for small batches.
SemanticResponse query_on_cpu(const torch::Tensor& image_queries,
                              const torch::Tensor& unit_queries_t, const torch::Tensor& responses,
                              const torch::Tensor& response_mask, int64_t top_k,
                              PsaAggregation aggregation) {
  core::AutocastDisabledGuard full_precision;
  const torch::Tensor q = image_queries.to(torch::kFloat).contiguous();
  const torch::Tensor dots = torch::mm(q, unit_queries_t);  // [B, P], cosine * |q|
  const torch::Tensor r = responses.contiguous();
  const torch::Tensor r_mask = response_mask.contiguous();
  const int64_t batch = q.size(0), dim = q.size(1), prototypes = dots.size(1);
  const int64_t tokens = r.size(1), token_values = r.size(1) * r.size(2);
  const bool sum = aggregation == PsaAggregation::kWeightedSum;
  const int64_t out_tokens = sum ? tokens : top_k * tokens;

  SemanticResponse response;
  response.indices = torch::empty({batch, top_k}, torch::kLong);
  response.weights = torch::empty({batch, top_k}, torch::kFloat);
  response.tokens = torch::empty({batch, out_tokens, r.size(2)}, torch::kFloat);
  response.mask = torch::empty({batch, out_tokens}, torch::kLong);
  const float* q_data = q.data_ptr<float>();
  const float* dot_data = dots.data_ptr<float>();
  const float* r_data = r.data_ptr<float>();
  const int64_t* r_mask_data = r_mask.data_ptr<int64_t>();
  int64_t* index_data = response.indices.data_ptr<int64_t>();
  float* weight_data = response.weights.data_ptr<float>();
  float* token_data = response.tokens.data_ptr<float>();
  int64_t* mask_data = response.mask.data_ptr<int64_t>();
  std::vector<int64_t> order(static_cast<size_t>(prototypes));
  for (int64_t b = 0; b < batch; ++b) {
    const float* row = q_data + b * dim;
    double squares = 0;
    for (int64_t d = 0; d < dim; ++d) squares += static_cast<double>(row[d]) * row[d];
    const double norm = std::max(std::sqrt(squares), 1e-8);
    const float* score = dot_data + b * prototypes;
    std::iota(order.begin(), order.end(), 0);
    std::partial_sort(order.begin(), order.begin() + top_k, order.end(),
                      [&](int64_t x, int64_t y) { return score[x] > score[y]; });
    int64_t* index = index_data + b * top_k;
    float* weight = weight_data + b * top_k;
    double total = 0;
    for (int64_t j = 0; j < top_k; ++j) {
      index[j] = order[static_cast<size_t>(j)];
      weight[j] = static_cast<float>(std::exp((score[index[j]] - score[index[0]]) / norm));
      total += weight[j];
    }
    for (int64_t j = 0; j < top_k; ++j) weight[j] = static_cast<float>(weight[j] / total);

    float* out = token_data + b * out_tokens * r.size(2);
    int64_t* out_mask = mask_data + b * out_tokens;
    if (sum) {
      std::fill(out, out + token_values, 0.0F);
      std::fill(out_mask, out_mask + tokens, int64_t{0});
      for (int64_t j = 0; j < top_k; ++j) {
        const float* chosen = r_data + index[j] * token_values;
        for (int64_t v = 0; v < token_values; ++v) out[v] += weight[j] * chosen[v];
        const int64_t* chosen_mask = r_mask_data + index[j] * tokens;
        for (int64_t t = 0; t < tokens; ++t) out_mask[t] = std::max(out_mask[t], chosen_mask[t]);
      }
    } else {
      for (int64_t j = 0; j < top_k; ++j) {
        std::copy_n(r_data + index[j] * token_values, token_values, out + j * token_values);
        std::copy_n(r_mask_data + index[j] * tokens, tokens, out_mask + j * tokens);
      }
    }
  }
  return response;
}

}  // namespace

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
    if (queries.device().is_cpu() && queries.scalar_type() == torch::kFloat &&
        responses.scalar_type() == torch::kFloat && image_queries.device().is_cpu()) {
      return query_on_cpu(image_queries, unit_queries, responses, response_mask, options.top_k(),
                          options.aggregation());
    }
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
