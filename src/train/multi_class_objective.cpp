#include "protoseg/train/multi_class_objective.h"

#include <vector>

#include <torch/torch.h>

#include "protoseg/core/precision.h"
#include "protoseg/models/multi_class_posterior.h"
#include "protoseg/models/prototype_ops.h"
#include "protoseg/train/few_shot_losses.h"

namespace protoseg::train {
namespace {

// Class masks [K, H, W] float of label values 1..K in labels [H, W].
at::Tensor class_masks(const at::Tensor& labels, int64_t classes) {
  std::vector<at::Tensor> masks;
  for (int64_t k = 1; k <= classes; ++k) masks.push_back(labels.eq(k).to(torch::kFloat));
  return torch::stack(masks);
}

// Eq. 9 on the feature grid for features [1, C, h, w] and prototypes [K, C]: [1, K + 1, h, w].
at::Tensor grid_probabilities(const at::Tensor& features, const at::Tensor& prototypes,
                              const at::Tensor& sigma_f, const at::Tensor& sigma_b,
                              double feature_dim) {
  const at::Tensor cosines = models::prototype_cosines(features, prototypes);
  return models::multi_class_tpm_probabilities(cosines, sigma_f, sigma_b,
                                               torch::tensor(0.5, features.options()), feature_dim);
}

}  // namespace

EpisodeLosses multi_class_episode_losses(models::FewShotSegmenterImpl& model,
                                         const EpisodeBatch& batch, const LossConfig& loss) {
  const int64_t classes = batch.foreground_count;
  TORCH_CHECK(classes >= 1 && batch.support_labels.defined() && batch.query_class_labels.defined(),
              "multi-class episodes need label maps and at least one structure");
  const at::Tensor features =
      model.encoder(torch::cat({batch.support_images, batch.query_images}, 0)).to(torch::kFloat);
  const core::AutocastDisabledGuard full_precision;
  const at::Tensor support_features = features.slice(0, 0, 1);
  const at::Tensor query_features = features.slice(0, 1);
  const int64_t height = batch.query_images.size(2), width = batch.query_images.size(3);
  auto& head = *model.head;
  const double d = head.options.feature_dim();

  const at::Tensor masks = class_masks(batch.support_labels[0], classes);  // [K, H, W]
  const at::Tensor prototypes = models::masked_average_pooling(
      support_features.expand({classes, -1, -1, -1}), masks);  // [K, C]
  EpisodeLosses out;
  out.threshold = head.threshold(0.5);
  const auto [sigma_f, sigma_b] = models::tied_sigmas(out.threshold, head.options.alpha(), 0.5, d);

  const at::Tensor grid = grid_probabilities(query_features, prototypes, sigma_f, sigma_b, d);
  const at::Tensor probabilities = models::upsample_class_probabilities(grid, height, width);
  // Labels 1..K -> channels 0..K-1, background 0 -> channel K.
  const at::Tensor& labels = batch.query_class_labels;
  const at::Tensor targets =
      torch::where(labels.eq(0), torch::full_like(labels, classes), labels - 1);
  std::vector<float> weights(static_cast<size_t>(classes), 1.0f);
  weights.push_back(static_cast<float>(loss.background_weight));
  out.query = probability_nll(probabilities, targets, torch::tensor(weights));

  // Multi-class alignment: structures present in the query prediction give query prototypes.
  const at::Tensor predicted = grid.detach().argmax(1);  // [1, h, w]
  std::vector<at::Tensor> query_prototypes;
  std::vector<int64_t> present;
  for (int64_t k = 0; k < classes; ++k) {
    const at::Tensor mask = predicted.eq(k).to(torch::kFloat).unsqueeze(1);  // [1, 1, h, w]
    const at::Tensor count = mask.sum();
    if (count.item<double>() == 0.0) continue;
    present.push_back(k);
    query_prototypes.push_back((query_features * mask).sum({0, 2, 3}) / (count + 1e-5));
  }
  if (present.empty()) {
    out.alignment = torch::zeros({}, features.options());
  } else {
    const auto kept = static_cast<int64_t>(present.size());
    const at::Tensor support_grid =
        grid_probabilities(support_features, torch::stack(query_prototypes), sigma_f, sigma_b, d);
    const at::Tensor support_probabilities =
        models::upsample_class_probabilities(support_grid, height, width);
    at::Tensor support_targets =
        torch::full({1, height, width}, kept, batch.support_labels.options());
    for (int64_t i = 0; i < kept; ++i) {
      support_targets.masked_fill_(batch.support_labels.eq(present[static_cast<size_t>(i)] + 1), i);
    }
    out.alignment = probability_nll(support_probabilities, support_targets);
  }
  out.threshold_loss = (out.threshold / head.options.alpha()).sum();
  out.total = out.query + loss.alignment_weight * out.alignment +
              loss.threshold_weight * out.threshold_loss;
  // The binary statistics (AvgEst) follow the first structure, as in binary training.
  out.ideal_threshold =
      ideal_distance_threshold(query_features, prototypes.slice(0, 0, 1).detach(),
                               labels[0].eq(1).to(torch::kFloat), loss.reference_compat);
  const at::Tensor foreground = 1.0 - probabilities.detach().select(1, classes).unsqueeze(1);
  out.query_foreground = torch::cat({1.0 - foreground, foreground}, 1);
  return out;
}

}  // namespace protoseg::train
