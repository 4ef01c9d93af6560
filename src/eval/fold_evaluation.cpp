#include "protoseg/eval/fold_evaluation.h"

#include <stdexcept>

#include <torch/torch.h>

#include "protoseg/data/z_score.h"
#include "protoseg/eval/dice.h"
#include "protoseg/io/volume_io.h"

namespace protoseg::eval {
namespace {

namespace F = torch::nn::functional;

struct LoadedVolume {
  int id;
  at::Tensor image;   // [D, S, S] z-scored, resized to the network size
  at::Tensor labels;  // [D, H, W] int64 at the original size
};

at::Tensor resize(const at::Tensor& slices, int64_t height, int64_t width, bool nearest) {
  if (slices.size(-2) == height && slices.size(-1) == width) return slices;
  auto options = F::InterpolateFuncOptions().size(std::vector<int64_t>{height, width});
  if (nearest) {
    options.mode(torch::kNearest);
  } else {
    options.mode(torch::kBilinear).align_corners(false);
  }
  return F::interpolate(slices.unsqueeze(1), options).squeeze(1);
}

LoadedVolume load(const data::VolumeDataset& dataset, size_t index, int size) {
  const auto image_file = dataset.image_path(index);
  const io::Volume image = io::read_volume(image_file);
  const io::Volume labels =
      io::read_label_map_for(dataset.label_path(index), image.geometry, image_file);
  return {dataset.ids()[index], resize(data::z_score(image.data, image_file), size, size, false),
          labels.data};
}

}  // namespace

std::vector<OrganDice> evaluate_fold(models::FewShotSegmenterImpl& model,
                                     const data::VolumeDataset& dataset, int fold,
                                     const FoldEvaluationOptions& options) {
  const std::vector<size_t> volumes = dataset.fold_indices(fold);
  if (volumes.size() < 2) {
    throw std::runtime_error("fold " + std::to_string(fold) +
                             " needs a support volume and at least one query volume");
  }
  model.eval();
  torch::NoGradGuard no_grad;
  const int size = options.image_size;
  const LoadedVolume support = load(dataset, volumes.back(), size);

  // One support slice per organ: int(position * n) among the n slices holding the organ.
  struct Support {
    std::string organ;
    int label;
    int slice;
    at::Tensor image;  // [1, 1, S, S]
    at::Tensor mask;   // [1, S, S]
  };
  std::vector<Support> supports;
  for (const auto& [organ, label] : dataset.config().labels) {
    const at::Tensor present = support.labels.eq(label).sum({1, 2}).gt(0).nonzero().flatten();
    if (present.numel() == 0) {
      throw std::runtime_error(dataset.image_path(volumes.back()).string() +
                               ": support volume has no '" + organ + "' (label " +
                               std::to_string(label) + ")");
    }
    const auto n = present.numel();
    const int z = static_cast<int>(
        present[static_cast<int64_t>(options.support_position * static_cast<double>(n))]
            .item<int64_t>());
    const at::Tensor mask =
        resize(support.labels[z].eq(label).to(torch::kFloat).unsqueeze(0), size, size, true);
    supports.push_back({organ, label, z,
                        support.image[z].unsqueeze(0).unsqueeze(0).to(options.device),
                        mask.to(options.device)});
  }

  const at::Tensor prior = model.head->average_estimated_prior().detach();
  std::vector<OrganDice> results;
  for (size_t q = 0; q + 1 < volumes.size(); ++q) {
    const LoadedVolume query = load(dataset, volumes[q], size);
    const int64_t depth = query.image.size(0);
    const int64_t height = query.labels.size(1);
    const int64_t width = query.labels.size(2);
    for (const Support& s : supports) {
      std::vector<at::Tensor> ce_t, avg_est;
      for (int64_t begin = 0; begin < depth; begin += options.batch_size) {
        const int64_t end = std::min<int64_t>(depth, begin + options.batch_size);
        const at::Tensor batch = query.image.slice(0, begin, end).unsqueeze(1).to(options.device);
        models::FewShotPrediction out;
        {
          core::AutocastGuard autocast(options.device, options.precision);
          out = model.forward(s.image, s.mask, batch);
        }
        ce_t.push_back(out.query_probabilities.select(1, 1).cpu());
        const at::Tensor foreground =
            model.head
                ->foreground_probability(model.head->anomaly_score(out.query_cosine), out.threshold,
                                         prior)
                .unsqueeze(1);
        avg_est.push_back(
            models::two_class_probabilities(foreground, size, size).select(1, 1).cpu());
      }
      auto dice = [&](const std::vector<at::Tensor>& probabilities) {
        const at::Tensor p = resize(torch::cat(probabilities), height, width, false);
        return dice_coefficient(p.gt(0.5), query.labels.eq(s.label));
      };
      results.push_back(
          {s.organ, s.label, support.id, s.slice, query.id, dice(ce_t), dice(avg_est)});
    }
  }
  return results;
}

}  // namespace protoseg::eval
