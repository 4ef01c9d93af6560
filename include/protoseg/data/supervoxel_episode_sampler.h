#pragma once

#include <cstdint>
#include <vector>

#include <ATen/core/Tensor.h>

#include "protoseg/data/episode.h"
#include "protoseg/data/slice_augmentation.h"
#include "protoseg/data/volume_dataset.h"

namespace protoseg::data {

/// Settings of the self-supervised supervoxel episodes (spec: Training, Episode sampling).
struct SupervoxelEpisodeOptions {
  /// Episodes are resized to image_size x image_size when the slices differ.
  int image_size = 256;
  /// A slice belongs to a supervoxel when the supervoxel covers more than this many pixels.
  int min_slice_pixels = 20;
  /// The first slice of the pair must hold at least this many supervoxel pixels.
  int min_support_pixels = 200;
  /// Draws of (supervoxel, slice pair) and of augmentations before an episode is given up.
  int max_attempts = 1000;
  /// Apply the random augmentation to the support or the query (p = 0.5 each).
  bool augment = true;
  /// Structures per episode: 1 for binary episodes; K > 1 adds up to K - 1 more supervoxels
  /// covering >= min_support_pixels of the support slice (TPM multi-foreground training, 5).
  int max_foregrounds = 1;
  /// Supervoxels tried (without replacement) for each further structure before its slot is
  /// left empty: the reference's 10, so an episode has as many structures as qualify, up to
  /// max_foregrounds.
  int foreground_draws = 10;
  SliceAugmentationOptions augmentation;

  template <class V>
  void visit(V& v) {
    v.optional("image_size", image_size);
    v.optional("min_slice_pixels", min_slice_pixels);
    v.optional("min_support_pixels", min_support_pixels);
    v.optional("max_attempts", max_attempts);
    v.optional("augment", augment);
    v.optional("max_foregrounds", max_foregrounds);
    v.optional("foreground_draws", foreground_draws);
    v.optional("augmentation", augmentation);
  }
  template <class V>
  void validate(V& v) const {
    if (image_size < 32) v.invalid("image_size", "must be at least 32");
    if (min_slice_pixels < 0) v.invalid("min_slice_pixels", "must be >= 0");
    if (min_support_pixels < 1) v.invalid("min_support_pixels", "must be >= 1");
    if (max_attempts < 1) v.invalid("max_attempts", "must be >= 1");
    if (foreground_draws < 1) v.invalid("foreground_draws", "must be >= 1");
    if (max_foregrounds < 1 || max_foregrounds > 16) {
      v.invalid("max_foregrounds", "must be between 1 and 16");
    }
  }
};

/// Self-supervised 1-way 1-shot episodes from supervoxel pseudo-labels, as in ADNet/TPM
/// (hjk92g/TPM-FSS `TrainDataset.__getitem__`): a random training volume, a random supervoxel
/// id != 0, the slices where it covers more than min_slice_pixels, a random consecutive pair of
/// those with >= min_support_pixels in the first, the pair's order swapped with p = 0.5
/// (support = first); then a gamma transform of the support or the query, and independently a
/// geometric transform of the support or the query (SliceAugmentationOptions). Volumes are
/// z-scored per volume.
///
/// Episode `i` depends only on (seed, i): any number of threads may call sample() concurrently
/// and in any order, and a resumed run continues the same sequence.
class SupervoxelEpisodeSampler {
 public:
  /// Loads the images and supervoxels of `volume_indices` of `dataset` into memory. Throws
  /// std::runtime_error naming the file when supervoxels are missing (with the command that
  /// makes them) and when a volume has no supervoxel that can ever satisfy the constraints.
  SupervoxelEpisodeSampler(const VolumeDataset& dataset, std::vector<size_t> volume_indices,
                           SupervoxelEpisodeOptions options, uint64_t seed);

  /// Episode number `index`: [H, W] tensors of size image_size. Throws std::runtime_error when
  /// max_attempts draws fail.
  Episode sample(int64_t index) const;

  size_t volume_count() const { return volumes_.size(); }
  const SupervoxelEpisodeOptions& options() const { return options_; }

 private:
  struct LoadedVolume {
    size_t dataset_index;
    at::Tensor image;         // [D, H, W] float32, z-scored
    at::Tensor supervoxels;   // [D, H, W] int32
    std::vector<int> labels;  // supervoxel ids != 0
    // pixels[l * depth + z]: pixels of labels[l] in slice z.
    std::vector<int> pixels;
    int64_t depth;
  };
  LoadedVolume load(const VolumeDataset& dataset, size_t index) const;

  std::vector<LoadedVolume> volumes_;
  SupervoxelEpisodeOptions options_;
  uint64_t seed_;
};

/// A generator for episode `index`, shared by the prefetcher and the trainer.
uint64_t episode_seed(uint64_t seed, int64_t index);

}  // namespace protoseg::data
