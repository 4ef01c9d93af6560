#pragma once

#include <cstdint>
#include <map>
#include <string>

#include <ATen/core/Tensor.h>
#include <c10/core/Device.h>

#include "protoseg/eval/slice_encoder.h"
#include "protoseg/eval/training_priors.h"
#include "protoseg/models/tied_prototype_head.h"

namespace protoseg::eval {

/// The prior of a segmentation: the learned threshold (CE-T), the averaged ideal prior of
/// training (AvgEst) or the linear prior model of training (LinEst).
enum class SegmentationPrior { kCeT, kAvgEst, kLinEst };

/// "ce-t", "avgest" or "linest" (any case); throws std::invalid_argument naming the choices.
SegmentationPrior parse_segmentation_prior(const std::string& name);

/// How one query volume is segmented from one labelled support volume.
struct VolumeSegmentationOptions {
  SegmentationPrior prior = SegmentationPrior::kAvgEst;
  /// Five EM prototypes per organ instead of one (binary only).
  bool multi_prototype = false;
  /// One support slice showing every organ and a per-pixel argmax over organs and background
  /// (Eq. 9); otherwise each organ from its own support slice, binary, overlaps to the organ
  /// of higher probability.
  bool multi_class = false;
  /// Support slice (z in the support volume); -1: per organ the middle of the slices that show
  /// it (EP2), multi-class a random one among those showing the most organs (seed).
  int64_t support_slice = -1;
  /// Slices per encoder call.
  int batch_size = 8;
  /// Needed for LinEst, five-prototype AvgEst and every multi-class prior but CE-T.
  const TrainingPriors* priors = nullptr;
  uint64_t seed = 2021;
  c10::Device device = c10::kCPU;
};

/// Labels of `query` [D, S, S] (0 background, else the organ's label value) from a support
/// volume: support_image [D_s, S, S] and query [D, S, S] z-scored float32 on the segmentation
/// grid, support_labels [D_s, S, S] int64, `organs` name -> label value. Throws
/// std::runtime_error naming the organ when the support does not show it (multi-class: on no
/// slice; an organ shown elsewhere but not on the support slice gets an empty prototype, as
/// in the reference), and std::invalid_argument when a prior needs `priors`.
at::Tensor segment_volume(const models::TiedPrototypeHeadImpl& head, const SliceEncoder& encoder,
                          const at::Tensor& support_image, const at::Tensor& support_labels,
                          const at::Tensor& query, const std::map<std::string, int>& organs,
                          const VolumeSegmentationOptions& options);

}  // namespace protoseg::eval
