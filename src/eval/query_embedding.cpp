#include "protoseg/eval/query_embedding.h"

#include <algorithm>
#include <vector>

namespace protoseg::eval {

torch::Tensor embed_set(const data::ImageReportSet& set, int64_t batch_size,
                        const QueryEmbedding& embedding) {
  TORCH_CHECK(batch_size > 0, "embed_set: batch size must be positive, got ", batch_size);
  torch::NoGradGuard no_grad;
  std::vector<torch::Tensor> rows;
  for (int64_t start = 0; start < set.size(); start += batch_size) {
    const int64_t end = std::min(set.size(), start + batch_size);
    rows.push_back(embedding(set.images.slice(0, start, end), set.masks.slice(0, start, end))
                       .to(torch::kCPU, torch::kFloat));
  }
  return torch::cat(rows);
}

torch::Tensor feature_layout(const models::UNetFeatures& features, int64_t grid) {
  return torch::adaptive_avg_pool2d(features.levels[3].to(torch::kFloat), {grid, grid}).flatten(1);
}

torch::Tensor lesion_layout(const torch::Tensor& lesion, int64_t grid) {
  return torch::adaptive_avg_pool2d(lesion.to(torch::kFloat), {grid, grid}).flatten(1);
}

}  // namespace protoseg::eval
