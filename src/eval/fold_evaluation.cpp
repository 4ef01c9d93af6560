#include "protoseg/eval/fold_evaluation.h"

#include <chrono>
#include <map>
#include <stdexcept>

#include <ATen/CPUGeneratorImpl.h>
#include <spdlog/spdlog.h>
#include <torch/torch.h>

#include "protoseg/data/supervoxel_episode_sampler.h"
#include "protoseg/eval/binary_predictor.h"
#include "protoseg/eval/dice.h"
#include "protoseg/eval/evaluation_volume.h"
#include "protoseg/eval/support_prototypes.h"

namespace protoseg::eval {
namespace {

// z indices of the slices that hold `label`, ascending.
std::vector<int64_t> organ_slices(const at::Tensor& labels, int label) {
  const at::Tensor present = labels.eq(label).flatten(1).any(1).nonzero().flatten().cpu();
  return {present.data_ptr<int64_t>(), present.data_ptr<int64_t>() + present.numel()};
}

struct SupportSlice {
  int64_t z = 0;
  double location = 0.0;  // z / (support depth - 1): the reference's test-time LinEst input
  SupportPrototypes prototypes;
};

struct Organ {
  std::string name;
  int label;
  std::vector<SupportSlice> supports;  // one per chunk
};

// Fractions of the organ's slice range, computed as ALPNet's get_support_index does (its
// floating-point sums decide int(p n) when p n is a whole number).
std::vector<double> support_positions(Protocol protocol) {
  const int shots = protocol == Protocol::kEP2 ? 1 : 3;
  if (shots == 1) return {0.5};
  const double half = 1.0 / (shots * 2);
  const double interval = (1.0 - 1.0 / shots) / (shots - 1);
  std::vector<double> positions;
  for (int i = 0; i < shots; ++i) positions.push_back(half + interval * i);
  return positions;
}

}  // namespace

std::vector<int64_t> support_slices(Protocol protocol, const at::Tensor& labels, int label) {
  const std::vector<int64_t> present = organ_slices(labels, label);
  std::vector<int64_t> slices;
  if (present.empty()) return slices;
  const auto n = static_cast<double>(present.size());
  for (double position : support_positions(protocol)) {
    slices.push_back(present[static_cast<size_t>(position * n)]);
  }
  return slices;
}

std::vector<size_t> fold_volumes(const data::VolumeDataset& dataset, int fold) {
  std::vector<size_t> volumes = dataset.fold_indices(fold);
  if (volumes.size() < 2) {
    throw std::runtime_error("fold " + std::to_string(fold) +
                             " needs a support volume and at least one query volume");
  }
  return volumes;
}

void score_prediction(DiceRecord& record, const at::Tensor& prediction, const at::Tensor& truth) {
  record.dice = dice_coefficient(prediction, truth);
  record.predicted_voxels = prediction.sum().item<int64_t>();
  record.true_voxels = truth.sum().item<int64_t>();
}

std::vector<DiceRecord> evaluate_fold(const models::TiedPrototypeHeadImpl& head,
                                      const SliceEncoder& encoder,
                                      const data::VolumeDataset& dataset, int fold,
                                      const FoldEvaluationOptions& options,
                                      const PredictionObserver& observer) {
  const std::vector<size_t> volumes = fold_volumes(dataset, fold);
  for (const InferenceMethod& m : options.methods) {
    if (needs_training_priors(m) && options.priors == nullptr) {
      throw std::invalid_argument(method_name(m) +
                                  " needs the prior analysis of training episodes");
    }
  }
  torch::NoGradGuard no_grad;
  const int size = options.image_size;
  const auto device = options.device;
  const EvaluationVolume support = load_evaluation_volume(dataset, volumes.back(), size);

  // Support slices of every organ, encoded in one call.
  std::vector<Organ> organs;
  std::vector<at::Tensor> support_images, support_masks;
  for (const auto& [name, label] : dataset.config().labels) {
    const std::vector<int64_t> chosen = support_slices(options.protocol, support.labels, label);
    if (chosen.empty()) {
      throw std::runtime_error(dataset.image_path(volumes.back()).string() +
                               ": support volume has no '" + name + "' (label " +
                               std::to_string(label) + ")");
    }
    Organ organ{name, label, {}};
    for (int64_t z : chosen) {
      SupportSlice s;
      s.z = z;
      // The reference's LinEst location at test time (compat only): the support slice's index
      // in its volume, supp_idx / (len(volume) - 1), one value for every query slice.
      s.location = slice_location(s.z, support.labels.size(0));
      organ.supports.push_back(s);
      support_images.push_back(support.network_image[s.z]);
      support_masks.push_back(
          resize_slices(support.labels[s.z].eq(label).unsqueeze(0), size, size, true)[0]);
    }
    organs.push_back(std::move(organ));
  }
  const at::Tensor support_features = encode_slices(
      encoder, torch::stack(support_images), static_cast<int>(support_images.size()), device);
  const double sigma_f = head.sigma_foreground.item<double>();
  int64_t support_index = 0;
  for (Organ& organ : organs) {
    for (SupportSlice& s : organ.supports) {
      at::Generator generator =
          at::detail::createCPUGenerator(data::episode_seed(options.seed, support_index));
      s.prototypes =
          make_support_prototypes(support_features.slice(0, support_index, support_index + 1),
                                  support_masks[static_cast<size_t>(support_index)].to(device),
                                  sigma_f, options.mixture, generator);
      ++support_index;
    }
  }

  const at::Tensor average_prior = head.average_estimated_prior().detach();
  std::vector<DiceRecord> records;
  for (size_t q = 0; q + 1 < volumes.size(); ++q) {
    const auto started = std::chrono::steady_clock::now();
    const EvaluationVolume query = load_evaluation_volume(dataset, volumes[q], size);
    const int64_t depth = query.labels.size(0);
    const at::Tensor features =
        encode_slices(encoder, query.network_image, options.batch_size, device);
    for (const Organ& organ : organs) {
      // Chunks of query slices, each with its support slice.
      std::vector<std::vector<int64_t>> chunks;
      if (options.protocol == Protocol::kEP2) {
        chunks.emplace_back();
        for (int64_t z = 0; z < depth; ++z) chunks.back().push_back(z);
      } else {
        const std::vector<int64_t> present = organ_slices(query.labels, organ.label);
        const auto n = static_cast<int64_t>(present.size());
        const auto parts = static_cast<int64_t>(organ.supports.size());
        for (int64_t j = 0; j < parts; ++j) {
          chunks.emplace_back(present.begin() + j * n / parts,
                              present.begin() + (j + 1) * n / parts);
        }
      }
      std::map<std::string, std::vector<at::Tensor>> predictions;
      std::vector<int64_t> scored_slices;
      for (size_t j = 0; j < chunks.size(); ++j) {
        if (chunks[j].empty()) continue;
        scored_slices.insert(scored_slices.end(), chunks[j].begin(), chunks[j].end());
        const SupportSlice& s = organ.supports[j];
        const at::Tensor index = torch::tensor(chunks[j]).to(device);
        const BinaryPredictor predictor(head, s.prototypes, features.index_select(0, index), size);
        const at::Tensor truth =
            resize_slices(query.labels.index_select(0, index.cpu()).eq(organ.label), size, size,
                          true)
                .to(device);
        std::vector<double> locations;
        for (int64_t z : chunks[j]) locations.push_back(slice_location(z, depth));
        for (const InferenceMethod& m : options.methods) {
          const bool mp = m.multi_prototype;
          at::Tensor prediction;
          switch (m.rule) {
            case PriorRule::kCeT: prediction = predictor.predict(mp, torch::tensor(0.5)); break;
            case PriorRule::kAvgEst:
              prediction = predictor.predict(
                  mp, mp ? torch::tensor(options.priors->average_multi) : average_prior);
              break;
            case PriorRule::kLinEst: {
              const LinearPrior& linear =
                  mp ? options.priors->linear_multi : options.priors->linear_single;
              std::vector<double> prior;
              for (double location : locations) {
                prior.push_back(linear.predict(options.reference_compat ? s.location : location,
                                               s.prototypes.foreground_fraction));
              }
              prediction = predictor.predict(mp, torch::tensor(prior));
              break;
            }
            case PriorRule::kOracle:
              prediction = predictor.predict_oracle(mp, truth, options.reference_compat);
              break;
          }
          predictions[method_name(m)].push_back(prediction.cpu());
        }
      }
      const at::Tensor slice_index = torch::tensor(scored_slices);
      const at::Tensor truth = query.labels.index_select(0, slice_index).eq(organ.label);
      for (const InferenceMethod& m : options.methods) {
        const std::string name = method_name(m);
        at::Tensor prediction;
        if (!scored_slices.empty()) {
          prediction =
              resize_slices(torch::cat(predictions[name]), truth.size(1), truth.size(2), true)
                  .gt(0.5);
        } else {
          prediction = torch::zeros_like(truth);
        }
        DiceRecord r;
        r.organ = organ.name;
        r.label = organ.label;
        r.support_id = support.id;
        for (const SupportSlice& s : organ.supports)
          r.support_slices.push_back(static_cast<int>(s.z));
        r.query_id = query.id;
        r.method = name;
        score_prediction(r, prediction, truth);
        records.push_back(r);
        if (observer) {
          const at::Tensor image = query.image.index_select(0, slice_index);
          observer({query.id, organ.name, name, image, prediction, truth, scored_slices});
        }
      }
    }
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    spdlog::info("fold {}: query volume {} ({} slices, {} organs x {} methods) in {:.1f} s", fold,
                 query.id, depth, organs.size(), options.methods.size(), seconds);
  }
  return records;
}

}  // namespace protoseg::eval
