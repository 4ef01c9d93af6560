#include "protoseg/eval/multi_class_evaluation.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>
#include <map>
#include <random>
#include <stdexcept>

#include <spdlog/spdlog.h>
#include <torch/torch.h>

#include "protoseg/data/supervoxel_episode_sampler.h"
#include "protoseg/eval/evaluation_volume.h"
#include "protoseg/models/prototype_ops.h"

namespace protoseg::eval {
std::vector<int64_t> slices_with_most_classes(const at::Tensor& labels,
                                              const std::vector<int>& organ_labels) {
  std::vector<int64_t> best;
  int best_classes = -1;
  for (int64_t z = 0; z < labels.size(0); ++z) {
    const at::Tensor slice = labels[z];
    const int64_t pixels = slice.numel();
    int64_t organ_pixels = 0;
    int classes = 0;
    for (int label : organ_labels) {
      const int64_t n = slice.eq(label).sum().item<int64_t>();
      organ_pixels += n;
      classes += n > 0;
    }
    classes += pixels > organ_pixels;  // background
    if (classes > best_classes) {
      best_classes = classes;
      best.clear();
    }
    if (classes == best_classes) best.push_back(z);
  }
  return best;
}

int64_t multi_class_support_slice(const at::Tensor& labels, const std::vector<int>& organ_labels,
                                  bool balanced, uint64_t seed) {
  const std::vector<int64_t> candidates = slices_with_most_classes(labels, organ_labels);
  if (!balanced) {
    std::mt19937_64 rng(seed);
    return candidates[std::uniform_int_distribution<size_t>(0, candidates.size() - 1)(rng)];
  }
  double best_balance = std::numeric_limits<double>::infinity();
  int64_t best = candidates.front();
  for (int64_t z : candidates) {
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
    double balance = 0.0;  // mean -log share: smallest when the classes are balanced
    for (double share : shares) balance -= std::log(share) / static_cast<double>(shares.size());
    if (balance < best_balance) {
      best_balance = balance;
      best = z;
    }
  }
  return best;
}

namespace {

// One support turn: the slice, its K prototypes and class shares.
struct MultiClassSupport {
  int id = 0;
  int64_t slice = 0;
  int64_t depth = 0;
  at::Tensor prototypes;                  // [K, C]
  std::vector<double> support_fractions;  // share of the slice of each organ
};

}  // namespace

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

  // Every fold volume is loaded and encoded once: each is a support in turn and a query.
  std::vector<EvaluationVolume> loaded;
  std::vector<at::Tensor> features;
  for (size_t v : volumes) {
    loaded.push_back(load_evaluation_volume(dataset, v, size));
    features.push_back(
        encode_slices(encoder, loaded.back().network_image, options.batch_size, device));
  }

  std::vector<DiceRecord> records;
  const size_t n = volumes.size();
  for (size_t turn = 0; turn < n; ++turn) {
    const EvaluationVolume& support_volume = loaded[turn];
    MultiClassSupport support;
    support.id = support_volume.id;
    support.depth = support_volume.labels.size(0);
    support.slice = multi_class_support_slice(
        support_volume.labels, organ_labels, options.balanced_support_slice,
        data::episode_seed(options.seed, static_cast<int64_t>(turn)));
    std::vector<at::Tensor> masks;
    for (size_t k = 0; k < organs.size(); ++k) {
      const at::Tensor mask =
          resize_slices(support_volume.labels[support.slice].eq(organ_labels[k]).unsqueeze(0), size,
                        size, true)[0];
      const double pixels = mask.sum().item<double>();
      if (pixels == 0.0) {
        if (!support_volume.labels.eq(organ_labels[k]).any().item<bool>()) {
          throw std::runtime_error(dataset.image_path(volumes[turn]).string() +
                                   ": the support volume shows no '" + organs[k] +
                                   "' on any slice");
        }
        // As the reference: a support volume without a slice showing every organ gives the
        // missing organ an empty mask, so its prototype is zero and every cosine to it is 0.
        spdlog::warn(
            "{}: support slice z = {} (of the slices with the most organs) shows no '{}'; "
            "its prototype is empty, as in the reference",
            dataset.image_path(volumes[turn]).string(), support.slice, organs[k]);
      }
      support.support_fractions.push_back(pixels / static_cast<double>(size * size));
      masks.push_back(mask);
    }
    const at::Tensor support_masks = torch::stack(masks).to(device);  // [K, S, S]
    support.prototypes = models::masked_average_pooling(
        features[turn].slice(0, support.slice, support.slice + 1).expand({classes, -1, -1, -1}),
        support_masks);  // [K, C]

    std::vector<size_t> queries;
    for (size_t q = 0; q < n; ++q) {
      // The reference queries the first n - 2 fold volumes in every turn (its query list drops
      // the last volume and its length subtracts the shot), even the support itself.
      const bool query = options.reference_compat ? q + 2 < n : q != turn;
      if (query) queries.push_back(q);
    }
    for (size_t q : queries) {
      const auto started = std::chrono::steady_clock::now();
      const EvaluationVolume& query = loaded[q];
      const int64_t depth = query.labels.size(0);
      const at::Tensor cosines = models::prototype_cosines(features[q], support.prototypes);

      at::Tensor foreground_counts = torch::zeros({depth}, torch::kLong);
      const at::Tensor network_labels =
          resize_slices(query.labels, size, size, true).to(torch::kLong);
      for (int label : organ_labels) {
        foreground_counts += network_labels.eq(label).flatten(1).sum(1);
      }
      std::vector<double> linear_priors;
      for (int64_t slice = 0; priors_needed && slice < depth; ++slice) {
        // Ours: the query slice's location; the reference: the support slice's in its volume.
        const double location = options.reference_compat
                                    ? slice_location(support.slice, support.depth)
                                    : slice_location(slice, depth);
        linear_priors.push_back(
            options.priors->linear_multi_class.predict(location, support.support_fractions));
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
          // Kept inside (0, 1): a slice without foreground or without background still has a
          // finite log prior.
          prior = multi_class_oracle_prior(head, cosines, foreground_counts, size * size)
                      .clamp(1e-6, 1.0 - 1e-6);
        }
        const at::Tensor index =
            predict_classes(head, cosines, rule, prior, size, options.reference_compat).cpu();
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
          r.support_slices = {static_cast<int>(support.slice)};
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
      spdlog::info(
          "fold {}: support {} (z = {}), query volume {} ({} slices, {} organs) in {:.1f} s", fold,
          support.id, support.slice, query.id, depth, classes, seconds);
    }
  }
  return records;
}

}  // namespace protoseg::eval
