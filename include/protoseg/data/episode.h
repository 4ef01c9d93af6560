#pragma once

#include <cstdint>

#include <ATen/core/Tensor.h>

namespace protoseg::data {

/// One 1-way 1-shot episode with a single query: two 2D slices of one volume and the binary
/// mask of the same structure (a supervoxel in self-supervised training) on each.
struct Episode {
  /// [H, W] float32, z-scored intensities.
  at::Tensor support_image;
  /// [H, W] float32 in {0, 1}.
  at::Tensor support_mask;
  /// [H, W] float32.
  at::Tensor query_image;
  /// [H, W] float32 in {0, 1}.
  at::Tensor query_mask;
  /// Multi-foreground episodes (TPM MF training): [H, W] int64 label maps, 0 background and
  /// 1..K the K structures; structure 1 is the one of support_mask / query_mask. K = 1 for
  /// binary episodes, where these equal the masks.
  at::Tensor support_labels;
  at::Tensor query_labels;
  int64_t foreground_count = 1;  ///< K
  /// Where the episode came from (for logs and tests).
  int64_t index = 0;              ///< episode number in the sampler's sequence
  int64_t volume_index = -1;      ///< index into the dataset's volume list
  int64_t label = -1;             ///< supervoxel id (or organ label) of the foreground
  int64_t support_slice = -1;     ///< z index (tensor axis 0) of the support slice
  int64_t query_slice = -1;       ///< z index of the query slice
  int64_t volume_depth = 0;       ///< slices in the volume (for slice locations)
  int64_t label_slice_count = 0;  ///< slices the structure occupies (sampled slices only)
  int64_t support_rank = -1;      ///< rank of the support slice among those slices
  /// The augmentation this episode received (for logs, tests and the comparison of its
  /// distribution with the reference's): which image got the gamma transform and which the
  /// geometric one (independent coins), gamma, the zoom of the kept geometric draw and how many
  /// geometric draws were needed (more than one when a draw emptied the structure).
  bool augmented = false;
  bool gamma_on_support = false;
  bool geometric_on_support = false;
  double gamma = 1.0;
  double zoom = 1.0;
  int geometric_draws = 0;
  /// Mean length of the kept draw's elastic displacement, in pixels.
  double mean_displacement = 0.0;
};

}  // namespace protoseg::data
