#include "protoseg/train/few_shot_losses.h"

#include <limits>

#include <torch/torch.h>

#include "protoseg/models/prototype_ops.h"

namespace protoseg::train {

namespace F = torch::nn::functional;

at::Tensor probability_nll(const at::Tensor& probabilities, const at::Tensor& labels,
                           const at::Tensor& class_weights) {
  TORCH_CHECK(
      probabilities.dim() == 4 && labels.dim() == 3 && probabilities.size(0) == labels.size(0) &&
          probabilities.size(2) == labels.size(1) && probabilities.size(3) == labels.size(2),
      "probability_nll expects probabilities [B,K,H,W] and labels [B,H,W], got ",
      probabilities.sizes(), " and ", labels.sizes());
  constexpr double eps = std::numeric_limits<float>::epsilon();
  const at::Tensor log_probabilities = torch::log(probabilities.clamp(eps, 1.0 - eps));
  auto options = F::NLLLossFuncOptions().ignore_index(kIgnoreLabel);
  if (class_weights.defined()) options.weight(class_weights.to(log_probabilities.options()));
  return F::nll_loss(log_probabilities, labels.to(torch::kLong), options);
}

at::Tensor prototype_alignment_loss(models::TiedPrototypeHeadImpl& head,
                                    const models::FewShotPrediction& prediction,
                                    const at::Tensor& support_masks) {
  // Query prototype from the predicted query foreground, pooled over all queries.
  const at::Tensor predicted = prediction.query_foreground.detach().gt(0.5).to(torch::kFloat);
  const at::Tensor count = predicted.sum();
  const at::Tensor query_prototype =
      (prediction.query_features * predicted).sum({0, 2, 3}) / (count + 1e-5);

  const int64_t shots = prediction.support_features.size(0);
  const at::Tensor cosine = models::prototype_cosine(
      prediction.support_features, query_prototype.unsqueeze(0).expand({shots, -1}));
  const at::Tensor foreground =
      head.foreground_probability(head.anomaly_score(cosine), prediction.threshold).unsqueeze(1);
  const at::Tensor probabilities =
      models::two_class_probabilities(foreground, support_masks.size(1), support_masks.size(2));
  const at::Tensor loss = probability_nll(probabilities, support_masks.round().to(torch::kLong));
  return torch::where(count > 0, loss, torch::zeros_like(loss));
}

at::Tensor ideal_distance_threshold(const at::Tensor& query_features, const at::Tensor& prototype,
                                    const at::Tensor& query_mask, bool reference_off_by_one) {
  TORCH_CHECK(query_features.dim() == 4 && query_features.size(0) == 1 && query_mask.dim() == 2,
              "ideal_distance_threshold expects features [1,C,h,w] and mask [H,W], got ",
              query_features.sizes(), " and ", query_mask.sizes());
  torch::NoGradGuard no_grad;
  const at::Tensor distances = models::sphere_distance(models::upsampled_prototype_cosine(
                                                           query_features, prototype,
                                                           query_mask.size(0), query_mask.size(1)))
                                   .flatten();
  const at::Tensor sorted = std::get<0>(distances.sort());
  const int64_t total = sorted.numel();
  const at::Tensor n = query_mask.gt(0.5).sum().reshape({1});
  const at::Tensor first = reference_off_by_one ? n : n - 1;
  const at::Tensor valid = (first >= 0) & (first + 1 < total);
  const at::Tensor index = first.clamp(0, total - 2);
  const at::Tensor boundary =
      (sorted.index_select(0, index) + sorted.index_select(0, index + 1)) / 2;
  return torch::where(valid, boundary, torch::full_like(boundary, std::nan("")));
}

}  // namespace protoseg::train
