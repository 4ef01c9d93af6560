#include "protoseg/eval/segment_volume.h"

#include <algorithm>
#include <cctype>
#include <stdexcept>
#include <vector>

#include <ATen/CPUGeneratorImpl.h>
#include <spdlog/spdlog.h>
#include <torch/torch.h>

#include "protoseg/data/supervoxel_episode_sampler.h"
#include "protoseg/eval/binary_predictor.h"
#include "protoseg/eval/fold_evaluation.h"
#include "protoseg/eval/multi_class_evaluation.h"
#include "protoseg/eval/multi_class_prediction.h"
#include "protoseg/eval/support_prototypes.h"
#include "protoseg/models/prototype_ops.h"

namespace protoseg::eval {
namespace {

const TrainingPriors& require_priors(const VolumeSegmentationOptions& options,
                                     const std::string& what, bool multi_class) {
  if (options.priors == nullptr || (multi_class && !options.priors->multi_class)) {
    throw std::invalid_argument(what + " needs the model's prior analysis of training episodes" +
                                (multi_class ? " (multi-class)" : ""));
  }
  return *options.priors;
}

std::vector<double> slice_locations(int64_t depth) {
  std::vector<double> locations;
  for (int64_t z = 0; z < depth; ++z) locations.push_back(slice_location(z, depth));
  return locations;
}

at::Tensor binary_labels(const models::TiedPrototypeHeadImpl& head, const SliceEncoder& encoder,
                         const at::Tensor& support_image, const at::Tensor& support_labels,
                         const at::Tensor& query_features, const std::map<std::string, int>& organs,
                         const VolumeSegmentationOptions& options) {
  const int64_t size = support_image.size(1);
  const int64_t depth = query_features.size(0);
  std::vector<at::Tensor> probabilities;  // per organ [D, S, S]
  std::vector<int> values;
  int64_t support_index = 0;
  for (const auto& [name, label] : organs) {
    int64_t z = options.support_slice;
    if (z < 0) {
      const std::vector<int64_t> middle = support_slices(Protocol::kEP2, support_labels, label);
      if (middle.empty()) {
        throw std::runtime_error("support label map shows no '" + name + "' (label " +
                                 std::to_string(label) + ")");
      }
      z = middle[0];
    }
    const at::Tensor mask = support_labels[z].eq(label).to(torch::kFloat);
    if (mask.sum().item<double>() == 0.0) {
      throw std::runtime_error("support slice " + std::to_string(z) + " shows no '" + name +
                               "' (label " + std::to_string(label) + ")");
    }
    const at::Tensor features =
        encode_slices(encoder, support_image.slice(0, z, z + 1), 1, options.device);
    at::Generator generator =
        at::detail::createCPUGenerator(data::episode_seed(options.seed, support_index++));
    const bool mp = options.multi_prototype;
    SphericalMixtureOptions mixture;
    if (!mp) mixture.components = 0;  // one prototype: no EM fit needed
    const SupportPrototypes support =
        make_support_prototypes(features, mask.to(features.device()),
                                head.sigma_foreground.item<double>(), mixture, generator);
    const BinaryPredictor predictor(head, support, query_features, size);
    at::Tensor prior = torch::tensor(0.5);
    if (options.prior == SegmentationPrior::kAvgEst) {
      prior = mp ? torch::tensor(
                       require_priors(options, "AvgEst with five prototypes", false).average_multi)
                 : head.average_estimated_prior().detach().cpu();
    } else if (options.prior == SegmentationPrior::kLinEst) {
      const TrainingPriors& p = require_priors(options, "LinEst", false);
      std::vector<double> values_per_slice;
      for (double location : slice_locations(depth)) {
        values_per_slice.push_back(
            (mp ? p.linear_multi : p.linear_single).predict(location, support.foreground_fraction));
      }
      prior = torch::tensor(values_per_slice);
    }
    probabilities.push_back(predictor.probability(mp, prior).cpu());
    values.push_back(label);
  }
  const at::Tensor stacked = torch::stack(probabilities);  // [K, D, S, S]
  const auto [best, index] = stacked.max(0);
  const at::Tensor value_of = torch::tensor(std::vector<int64_t>(values.begin(), values.end()));
  return torch::where(best.gt(0.5),
                      value_of.index_select(0, index.flatten()).reshape(index.sizes()),
                      torch::zeros_like(index));
}

at::Tensor multi_class_labels(const models::TiedPrototypeHeadImpl& head,
                              const SliceEncoder& encoder, const at::Tensor& support_image,
                              const at::Tensor& support_labels, const at::Tensor& query_features,
                              const std::map<std::string, int>& organs,
                              const VolumeSegmentationOptions& options) {
  const int64_t size = support_image.size(1);
  const int64_t depth = query_features.size(0);
  std::vector<int> values;
  for (const auto& [name, label] : organs) values.push_back(label);
  const int64_t z = options.support_slice >= 0
                        ? options.support_slice
                        : multi_class_support_slice(support_labels, values, false, options.seed);
  std::vector<at::Tensor> masks;
  std::vector<double> fractions;
  for (const auto& [name, label] : organs) {
    const at::Tensor mask = support_labels[z].eq(label).to(torch::kFloat);
    if (mask.sum().item<double>() == 0.0) {
      if (!support_labels.eq(label).any().item<bool>()) {
        throw std::runtime_error("the support volume shows no '" + name + "' on any slice");
      }
      spdlog::warn(
          "support slice {} shows no '{}': its prototype is empty and it is unlikely to "
          "be found",
          z, name);
    }
    masks.push_back(mask);
    fractions.push_back(mask.mean().item<double>());
  }
  const at::Tensor features =
      encode_slices(encoder, support_image.slice(0, z, z + 1), 1, options.device);
  const auto classes = static_cast<int64_t>(masks.size());
  const at::Tensor prototypes = models::masked_average_pooling(
      features.expand({classes, -1, -1, -1}), torch::stack(masks).to(features.device()));
  const at::Tensor cosines = models::prototype_cosines(query_features, prototypes);
  MultiClassRule rule = MultiClassRule::kCeT;
  at::Tensor prior = torch::tensor(0.5);
  if (options.prior == SegmentationPrior::kAvgEst) {
    rule = MultiClassRule::kAvgEst;
    prior = torch::tensor(require_priors(options, "multi-class AvgEst", true).average_multi_class);
  } else if (options.prior == SegmentationPrior::kLinEst) {
    rule = MultiClassRule::kLinEst;
    const TrainingPriors& p = require_priors(options, "multi-class LinEst", true);
    std::vector<double> per_slice;
    for (double location : slice_locations(depth)) {
      per_slice.push_back(p.linear_multi_class.predict(location, fractions));
    }
    prior = torch::tensor(per_slice);
  }
  const at::Tensor index = predict_classes(head, cosines, rule, prior, size).cpu();  // [0, K]
  std::vector<int64_t> lookup(values.begin(), values.end());
  lookup.push_back(0);  // K: background
  return torch::tensor(lookup).index_select(0, index.flatten()).reshape(index.sizes());
}

}  // namespace

SegmentationPrior parse_segmentation_prior(const std::string& name) {
  std::string lower = name;
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (lower == "ce-t") return SegmentationPrior::kCeT;
  if (lower == "avgest") return SegmentationPrior::kAvgEst;
  if (lower == "linest") return SegmentationPrior::kLinEst;
  throw std::invalid_argument("unknown method '" + name + "' (choose ce-t, avgest or linest)");
}

at::Tensor segment_volume(const models::TiedPrototypeHeadImpl& head, const SliceEncoder& encoder,
                          const at::Tensor& support_image, const at::Tensor& support_labels,
                          const at::Tensor& query, const std::map<std::string, int>& organs,
                          const VolumeSegmentationOptions& options) {
  TORCH_CHECK(support_image.dim() == 3 && query.dim() == 3 &&
                  support_labels.sizes() == support_image.sizes() &&
                  query.size(1) == support_image.size(1) && query.size(2) == support_image.size(2),
              "segment_volume: support ", support_image.sizes(), ", labels ",
              support_labels.sizes(), " and query ", query.sizes(), " must share the slice grid");
  if (options.support_slice >= support_image.size(0)) {
    throw std::invalid_argument("support slice " + std::to_string(options.support_slice) +
                                " is outside the support volume (" +
                                std::to_string(support_image.size(0)) + " slices)");
  }
  torch::NoGradGuard no_grad;
  const at::Tensor features = encode_slices(encoder, query, options.batch_size, options.device);
  return options.multi_class ? multi_class_labels(head, encoder, support_image, support_labels,
                                                  features, organs, options)
                             : binary_labels(head, encoder, support_image, support_labels, features,
                                             organs, options);
}

}  // namespace protoseg::eval
