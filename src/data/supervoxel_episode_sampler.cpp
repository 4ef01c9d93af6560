#include "protoseg/data/supervoxel_episode_sampler.h"

#include <algorithm>
#include <random>
#include <stdexcept>
#include <string>
#include <tuple>

#include <ATen/Parallel.h>
#include <torch/torch.h>
#include <opencv2/imgproc.hpp>

#include "protoseg/data/z_score.h"
#include "protoseg/io/volume_io.h"

namespace protoseg::data {
namespace {

// A [H, W] float32 copy of a slice, resized to [size, size] with OpenCV's `interpolation` if
// needed (always a copy: augmentations work in place and must not touch the cached volume).
at::Tensor resized(at::Tensor slice, int size, int interpolation) {
  slice = slice.to(at::kFloat).contiguous();
  if (slice.size(0) == size && slice.size(1) == size) return slice.clone();
  const cv::Mat source(static_cast<int>(slice.size(0)), static_cast<int>(slice.size(1)), CV_32F,
                       slice.data_ptr<float>());
  at::Tensor out = torch::empty({size, size}, torch::kFloat);
  cv::Mat target(size, size, CV_32F, out.data_ptr<float>());
  cv::resize(source, target, target.size(), 0, 0, interpolation);
  return out;
}

}  // namespace

uint64_t episode_seed(uint64_t seed, int64_t index) {
  // SplitMix64 of the pair, so neighbouring indices give unrelated generators.
  uint64_t z = seed * 0x9E3779B97F4A7C15ULL + static_cast<uint64_t>(index) + 0x632BE59BD9B4E019ULL;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

SupervoxelEpisodeSampler::SupervoxelEpisodeSampler(const VolumeDataset& dataset,
                                                   std::vector<size_t> volume_indices,
                                                   SupervoxelEpisodeOptions options, uint64_t seed)
    : options_(std::move(options)), seed_(seed) {
  if (volume_indices.empty()) {
    throw std::runtime_error("dataset '" + dataset.config().name + "': no training volumes");
  }
  volumes_.resize(volume_indices.size());
  at::parallel_for(0, static_cast<int64_t>(volume_indices.size()), 1,
                   [&](int64_t begin, int64_t end) {
                     for (int64_t i = begin; i < end; ++i) {
                       volumes_[i] = load(dataset, volume_indices[i]);
                     }
                   });
}

SupervoxelEpisodeSampler::LoadedVolume SupervoxelEpisodeSampler::load(const VolumeDataset& dataset,
                                                                      size_t index) const {
  const auto image_file = dataset.image_path(index);
  const auto supervoxel_file = dataset.supervoxel_path(index);
  if (!std::filesystem::exists(supervoxel_file)) {
    throw std::runtime_error(supervoxel_file.string() +
                             ": supervoxels not found; make them with `make-supervoxels "
                             "--dataset <dataset.yaml> --n-sv " +
                             std::to_string(dataset.config().n_sv) + "`");
  }
  io::Volume image = io::read_volume(image_file);
  io::Volume supervoxels = io::read_label_map_for(supervoxel_file, image.geometry, image_file);

  LoadedVolume v;
  v.dataset_index = index;
  v.image = z_score(image.data, image_file);
  v.supervoxels = supervoxels.data.to(at::kInt).contiguous();
  v.depth = v.supervoxels.size(0);

  // Per-slice pixel count of every supervoxel id: one pass over the volume.
  const int max_id = v.supervoxels.max().item<int>();
  std::vector<int> counts(static_cast<size_t>(max_id + 1) * v.depth, 0);
  const int* ids = v.supervoxels.data_ptr<int>();
  const int64_t plane = v.supervoxels.size(1) * v.supervoxels.size(2);
  for (int64_t z = 0; z < v.depth; ++z) {
    for (int64_t p = 0; p < plane; ++p) {
      const int id = ids[z * plane + p];
      if (id < 0) {
        throw std::runtime_error(supervoxel_file.string() + ": negative supervoxel id");
      }
      ++counts[static_cast<size_t>(id) * v.depth + z];
    }
  }
  bool feasible = false;
  for (int id = 1; id <= max_id; ++id) {
    const int* row = &counts[static_cast<size_t>(id) * v.depth];
    bool present = false;
    for (int64_t z = 0; z < v.depth; ++z) present = present || row[z] > 0;
    if (!present) continue;
    v.labels.push_back(id);
    v.pixels.insert(v.pixels.end(), row, row + v.depth);
    // Feasible when some slice with enough pixels is followed by another qualifying slice.
    int64_t previous = -1;
    for (int64_t z = 0; z < v.depth; ++z) {
      if (row[z] <= options_.min_slice_pixels) continue;
      if (previous >= 0 && row[previous] >= options_.min_support_pixels) feasible = true;
      previous = z;
    }
  }
  if (!feasible) {
    throw std::runtime_error(
        supervoxel_file.string() + ": no supervoxel covers more than " +
        std::to_string(options_.min_slice_pixels) +
        " px in two slices with >= " + std::to_string(options_.min_support_pixels) +
        " px in the first; episodes can never be drawn");
  }
  return v;
}

namespace {

// Masks [K, H, W] -> label map [H, W] int64 (0 background, k + 1 for mask k; where masks
// overlap after a warp, the first wins).
at::Tensor label_map(const at::Tensor& masks) {
  at::Tensor labels = torch::zeros({masks.size(1), masks.size(2)}, torch::kLong);
  for (int64_t k = masks.size(0) - 1; k >= 0; --k) {
    labels.masked_fill_(masks[k].gt(0.5), k + 1);
  }
  return labels;
}

}  // namespace

Episode SupervoxelEpisodeSampler::sample(int64_t index) const {
  std::mt19937_64 rng(episode_seed(seed_, index));
  auto pick = [&rng](size_t n) { return std::uniform_int_distribution<size_t>(0, n - 1)(rng); };
  auto coin = [&rng] { return std::bernoulli_distribution(0.5)(rng); };
  const size_t volume_pick = pick(volumes_.size());
  const LoadedVolume& v = volumes_[volume_pick];
  const auto depth = static_cast<size_t>(v.depth);

  std::vector<int64_t> slices;
  for (int attempt = 0; attempt < options_.max_attempts; ++attempt) {
    const size_t label_pick = pick(v.labels.size());
    const int* pixels = &v.pixels[label_pick * depth];
    slices.clear();
    for (int64_t z = 0; z < v.depth; ++z) {
      if (pixels[z] > options_.min_slice_pixels) slices.push_back(z);
    }
    if (slices.size() < 2) continue;
    const size_t first = pick(slices.size() - 1);
    if (pixels[slices[first]] < options_.min_support_pixels) continue;

    int64_t support_rank = static_cast<int64_t>(first);
    int64_t query_rank = support_rank + 1;
    if (coin()) std::swap(support_rank, query_rank);
    const int64_t support_z = slices[static_cast<size_t>(support_rank)];
    const int64_t query_z = slices[static_cast<size_t>(query_rank)];

    const int label = v.labels[label_pick];
    // Multi-foreground (the reference's max_protos): each further slot tries up to 10
    // supervoxels of the volume, drawn without replacement, and takes the first that covers
    // >= min_support_pixels of the support slice; a slot may stay empty.
    std::vector<int> structures = {label};
    if (options_.max_foregrounds > 1) {
      std::vector<size_t> untried;
      for (size_t l = 0; l < v.labels.size(); ++l) {
        if (l != label_pick) untried.push_back(l);
      }
      for (int slot = 1; slot < options_.max_foregrounds; ++slot) {
        for (int draw = 0; draw < options_.foreground_draws && !untried.empty(); ++draw) {
          const size_t at = pick(untried.size());
          const size_t l = untried[at];
          untried.erase(untried.begin() + static_cast<std::ptrdiff_t>(at));
          if (v.pixels[l * depth + static_cast<size_t>(support_z)] >= options_.min_support_pixels) {
            structures.push_back(v.labels[l]);
            break;
          }
        }
      }
    }
    const int size = options_.image_size;
    at::Tensor support_image = resized(v.image[support_z], size, cv::INTER_LINEAR);
    at::Tensor query_image = resized(v.image[query_z], size, cv::INTER_LINEAR);
    std::vector<at::Tensor> support_channels, query_channels;
    for (int s : structures) {
      support_channels.push_back(resized(v.supervoxels[support_z].eq(s), size, cv::INTER_NEAREST));
      query_channels.push_back(resized(v.supervoxels[query_z].eq(s), size, cv::INTER_NEAREST));
    }
    at::Tensor support_stack = torch::stack(support_channels);  // [K, S, S] float32
    at::Tensor query_stack = torch::stack(query_channels);

    Episode episode;
    if (options_.augment) {
      const SliceAugmentationOptions& a = options_.augmentation;
      episode.augmented = true;
      // Gamma on one image, then, with an independent coin, the geometric transform on one
      // image (the query only when its structure is visible), redrawn while the structure comes
      // out empty, the last draw kept.
      episode.gamma_on_support = !coin();
      episode.gamma = draw_gamma(a, rng);
      apply_gamma(episode.gamma_on_support ? support_image : query_image, episode.gamma);
      const bool query_visible = query_stack.sum().item<double>() > 0.0;
      episode.geometric_on_support = !(coin() && query_visible);
      at::Tensor& image = episode.geometric_on_support ? support_image : query_image;
      at::Tensor& stack = episode.geometric_on_support ? support_stack : query_stack;
      const int draws = episode.geometric_on_support ? a.support_draws : a.query_draws;
      at::Tensor warped_image, warped_stack;
      GeometricDraw kept;
      for (int d = 0; d < draws; ++d) {
        kept = draw_geometric(size, size, a, rng);
        std::tie(warped_image, warped_stack) = geometric_transform(image, stack, kept, a);
        episode.geometric_draws = d + 1;
        if (warped_stack.sum().item<double>() > 0.0) break;
      }
      image = warped_image;
      stack = warped_stack;
      episode.zoom = kept.affine.zoom;
      episode.mean_displacement =
          elastic_displacement(kept.noise_x, kept.noise_y, a.elastic_alpha, a.elastic_sigma)
              .pow(2)
              .sum(0)
              .sqrt()
              .mean()
              .item<double>();
    }
    // Multi-foreground: structures that cover fewer than min_support_pixels of the transformed
    // support are dropped, the first included (the reference's "remove improper foreground
    // labels"). Binary episodes are kept as drawn, unless every draw emptied the structure
    // (the reference trains on the empty mask then; we draw a new episode).
    std::vector<int64_t> kept = {0};
    if (options_.max_foregrounds > 1) {
      kept.clear();
      for (int64_t k = 0; k < support_stack.size(0); ++k) {
        if (support_stack[k].sum().item<double>() >= options_.min_support_pixels) {
          kept.push_back(k);
        }
      }
      if (kept.empty()) continue;
      const at::Tensor keep = torch::tensor(kept);
      support_stack = support_stack.index_select(0, keep);
      query_stack = query_stack.index_select(0, keep);
    } else if (support_stack[0].sum().item<double>() == 0.0 ||
               query_stack[0].sum().item<double>() == 0.0) {
      continue;
    }

    episode.support_image = support_image;
    episode.support_mask = support_stack[0].contiguous();
    episode.query_image = query_image;
    episode.query_mask = query_stack[0].contiguous();
    episode.support_labels = label_map(support_stack);
    episode.query_labels = label_map(query_stack);
    episode.foreground_count = support_stack.size(0);
    episode.index = index;
    episode.volume_index = static_cast<int64_t>(v.dataset_index);
    episode.label = structures[static_cast<size_t>(kept.front())];
    episode.support_slice = support_z;
    episode.query_slice = query_z;
    episode.volume_depth = v.depth;
    episode.label_slice_count = static_cast<int64_t>(slices.size());
    episode.support_rank = support_rank;
    return episode;
  }
  throw std::runtime_error("episode " + std::to_string(index) + ": no valid supervoxel pair in " +
                           std::to_string(options_.max_attempts) + " attempts on volume index " +
                           std::to_string(v.dataset_index));
}

}  // namespace protoseg::data
