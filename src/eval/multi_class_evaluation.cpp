#include "protoseg/eval/multi_class_evaluation.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>
#include <map>
#include <stdexcept>

#include <spdlog/spdlog.h>
#include <torch/torch.h>

#include "protoseg/eval/evaluation_volume.h"
#include "protoseg/eval/ideal_threshold.h"
#include "protoseg/models/multi_class_posterior.h"
#include "protoseg/models/prototype_ops.h"

namespace protoseg::eval {
namespace {

// Per-pixel class index in [0, K] (K: background) for one rule, at size x size.
class MultiClassPredictor {
 public:
  MultiClassPredictor(const models::TiedPrototypeHeadImpl& head, at::Tensor cosines, int64_t size)
      : head_(head), cosines_(std::move(cosines)), size_(size) {}

  at::Tensor predict(MultiClassRule rule, const at::Tensor& prior) const {
    at::Tensor probabilities;
    if (rule == MultiClassRule::kAdnetPlusPlus) {
      const at::Tensor per_class =
          head_.foreground_probability(head_.anomaly_score(cosines_), head_.threshold(0.5), 0.5);
      // The reference softmaxes ADNet++'s [p_1..p_K, 1 - max p] before upsampling.
      probabilities = models::adnet_plus_plus_probabilities(per_class).softmax(1);
    } else {
      probabilities = models::multi_class_tpm_probabilities(cosines_, head_.sigma_foreground,
                                                            head_.sigma_background, prior,
                                                            head_.options.feature_dim());
    }
    return models::upsample_class_probabilities(probabilities, size_, size_).argmax(1);
  }

 private:
  const models::TiedPrototypeHeadImpl& head_;
  at::Tensor cosines_;  // [D, K, h, w]
  int64_t size_;
};

}  // namespace

at::Tensor multi_class_ideal_prior(const models::TiedPrototypeHeadImpl& head,
                                   const at::Tensor& cosines, const at::Tensor& foreground_counts,
                                   int64_t size) {
  torch::NoGradGuard no_grad;
  const at::Tensor up = models::upsample_aligned(cosines, size, size);
  const double d = head.options.feature_dim();
  const at::Tensor sf = head.sigma_foreground, sb = head.sigma_background;
  const at::Tensor log_f = std::get<0>(((up - 1.0) / (sf * sf)).max(1)) - d * sf.log();
  const at::Tensor log_b = ((up - 1.0) / (sb * sb)).logsumexp(1) - d * sb.log();
  const at::Tensor ratio = torch::sigmoid(log_b - log_f).flatten(1);
  return ideal_score_threshold(ratio, foreground_counts);
}

int64_t multi_class_support_slice(const at::Tensor& labels, const std::vector<int>& organ_labels) {
  int best_classes = -1;
  double best_balance = std::numeric_limits<double>::infinity();
  int64_t best = -1;
  for (int64_t z = 0; z < labels.size(0); ++z) {
    const at::Tensor slice = labels[z];
    const double pixels = static_cast<double>(slice.numel());
    std::vector<double> shares;
    double organ_pixels = 0.0;
    for (int label : organ_labels) {
      const double n = slice.eq(label).sum().item<double>();
      organ_pixels += n;
      if (n > 0) shares.push_back(n / pixels);
    }
    if (pixels - organ_pixels > 0) shares.push_back((pixels - organ_pixels) / pixels);
    const int classes = static_cast<int>(shares.size());
    double balance = 0.0;  // mean -log share: smallest when the classes are balanced
    for (double s : shares) balance -= std::log(s) / static_cast<double>(classes);
    if (classes > best_classes || (classes == best_classes && balance < best_balance)) {
      best_classes = classes;
      best_balance = balance;
      best = z;
    }
  }
  return best;
}

std::vector<DiceRecord> evaluate_fold_multi_class(const models::TiedPrototypeHeadImpl& head,
                                                  const SliceEncoder& encoder,
                                                  const data::VolumeDataset& dataset, int fold,
                                                  const FoldEvaluationOptions& options,
                                                  const PredictionObserver& observer,
                                                  const std::vector<MultiClassRule>& rules) {
  const std::vector<size_t> volumes = fold_volumes(dataset, fold);
  const bool priors_needed = std::any_of(
      rules.begin(), rules.end(), [](MultiClassRule rule) { return needs_training_priors(rule); });
  if (priors_needed && (options.priors == nullptr || !options.priors->multi_class)) {
    throw std::invalid_argument(
        "multi-class AvgEst and LinEst need the prior analysis of multi-foreground training "
        "episodes");
  }
  torch::NoGradGuard no_grad;
  const int size = options.image_size;
  const auto device = options.device;

  std::vector<std::string> organs;
  std::vector<int> organ_labels;
  for (const auto& [name, label] : dataset.config().labels) {
    organs.push_back(name);
    organ_labels.push_back(label);
  }
  const auto classes = static_cast<int64_t>(organs.size());
  const EvaluationVolume support = load_evaluation_volume(dataset, volumes.back(), size);
  const int64_t z = multi_class_support_slice(support.labels, organ_labels);
  std::vector<at::Tensor> masks;
  for (size_t k = 0; k < organs.size(); ++k) {
    const at::Tensor mask =
        resize_slices(support.labels[z].eq(organ_labels[k]).unsqueeze(0), size, size, true)[0];
    if (mask.sum().item<double>() == 0.0) {
      throw std::runtime_error(dataset.image_path(volumes.back()).string() +
                               ": no slice of the support volume shows every organ ('" + organs[k] +
                               "' is missing from the best one, z = " + std::to_string(z) + ")");
    }
    masks.push_back(mask);
  }
  const at::Tensor support_mask_stack = torch::stack(masks).to(device);  // [K, S, S]
  const at::Tensor support_features =
      encode_slices(encoder, support.network_image.slice(0, z, z + 1), 1, device);
  const at::Tensor prototypes = models::masked_average_pooling(
      support_features.expand({classes, -1, -1, -1}), support_mask_stack);  // [K, C]
  const double support_fraction =
      support_mask_stack.sum().item<double>() / static_cast<double>(size * size);

  std::vector<DiceRecord> records;
  for (size_t q = 0; q + 1 < volumes.size(); ++q) {
    const auto started = std::chrono::steady_clock::now();
    const EvaluationVolume query = load_evaluation_volume(dataset, volumes[q], size);
    const int64_t depth = query.labels.size(0);
    const at::Tensor features =
        encode_slices(encoder, query.network_image, options.batch_size, device);
    const at::Tensor cosines = models::prototype_cosines(features, prototypes);
    const MultiClassPredictor predictor(head, cosines, size);

    at::Tensor foreground_counts = torch::zeros({depth}, torch::kLong);
    const at::Tensor network_labels =
        resize_slices(query.labels, size, size, true).to(torch::kLong);
    for (int label : organ_labels) {
      foreground_counts += network_labels.eq(label).flatten(1).sum(1);
    }

    std::vector<double> linear_priors;
    for (int64_t slice = 0; priors_needed && slice < depth; ++slice) {
      linear_priors.push_back(options.priors->linear_multi_class.predict(
          slice_location(slice, depth), support_fraction));
    }
    std::vector<int64_t> all_slices;
    for (int64_t slice = 0; slice < depth; ++slice) all_slices.push_back(slice);
    for (MultiClassRule rule : rules) {
      at::Tensor prior = torch::tensor(0.5);
      if (rule == MultiClassRule::kAvgEst) {
        prior = torch::tensor(options.priors->average_multi_class);
      }
      if (rule == MultiClassRule::kLinEst) prior = torch::tensor(linear_priors);
      if (rule == MultiClassRule::kOracle) {
        // -inf / +inf (no foreground / all foreground) -> almost 0 / almost 1.
        prior = multi_class_ideal_prior(head, cosines, foreground_counts.to(device), size)
                    .clamp(1e-6, 1.0 - 1e-6);
      }
      const at::Tensor index = predictor.predict(rule, prior).cpu();  // [D, S, S] in [0, K]
      const at::Tensor classes_at_size =
          resize_slices(index, query.labels.size(1), query.labels.size(2), true)
              .round()
              .to(torch::kLong);
      const std::string name = method_name(rule);
      for (int64_t k = 0; k < classes; ++k) {
        const int label = organ_labels[static_cast<size_t>(k)];
        const at::Tensor prediction = classes_at_size.eq(k);
        const at::Tensor truth = query.labels.eq(label);
        DiceRecord r;
        r.organ = organs[static_cast<size_t>(k)];
        r.label = label;
        r.support_id = support.id;
        r.support_slices = {static_cast<int>(z)};
        r.query_id = query.id;
        r.method = name;
        score_prediction(r, prediction, truth);
        records.push_back(r);
        if (observer) {
          observer({query.id, r.organ, name, query.image, prediction, truth, all_slices});
        }
      }
    }
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    spdlog::info("fold {}: query volume {} ({} slices, {} organs, multi-class) in {:.1f} s", fold,
                 query.id, depth, classes, seconds);
  }
  return records;
}

}  // namespace protoseg::eval
