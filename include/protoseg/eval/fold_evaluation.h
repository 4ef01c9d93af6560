#pragma once

#include <functional>
#include <string>
#include <vector>

#include <c10/core/Device.h>

#include "protoseg/data/volume_dataset.h"
#include "protoseg/eval/inference_method.h"
#include "protoseg/eval/slice_encoder.h"
#include "protoseg/eval/spherical_mixture.h"
#include "protoseg/eval/training_priors.h"
#include "protoseg/models/tied_prototype_head.h"

namespace protoseg::eval {

/// The two few-shot evaluation protocols of SSL-ALPNet / ADNet / TPM.
enum class Protocol {
  /// Every query slice, one support slice per organ at int(0.5 n) of its n organ slices.
  kEP2,
  /// Only the query's organ slices, in three chunks; chunk j uses the support slice at
  /// int(p_j n) of the support's n organ slices, p = 1/6, 1/2, 5/6. Dice over those slices.
  kEP1,
};

/// Settings of one fold's evaluation.
struct FoldEvaluationOptions {
  Protocol protocol = Protocol::kEP2;
  /// Slices are resized to this size for the network; predictions are resized back (nearest).
  int image_size = 256;
  /// Slices per encoder call.
  int batch_size = 8;
  std::vector<InferenceMethod> methods = all_binary_methods();
  /// Needed for AvgEst_MP, LinEst and LinEst_MP (analyze_training_priors).
  const TrainingPriors* priors = nullptr;
  /// The reference's behaviour: off-by-one oracle boundary, and LinEst's location taken from
  /// the support slice, z / (support depth - 1), so one prior per query volume.
  bool reference_compat = false;
  /// Multi-class: the most balanced support slice instead of a random one among the slices
  /// with the most classes.
  bool balanced_support_slice = false;
  SphericalMixtureOptions mixture;
  uint64_t seed = 2021;  ///< seeds the multi-prototype EM starts and multi-class support slices
  c10::Device device = c10::kCPU;
};

/// Dice of one method for one organ on one query volume.
struct DiceRecord {
  std::string organ;
  int label = 0;
  int support_id = 0;               ///< numeric id of the support volume
  std::vector<int> support_slices;  ///< z of the support slice(s) (EP1: one per chunk)
  int query_id = 0;
  std::string method;  ///< method_name()
  double dice = 0.0;   ///< dice_coefficient() of the 3D prediction
  int64_t predicted_voxels = 0;
  int64_t true_voxels = 0;
};

/// The support slice(s) of organ `label` in a support volume's labels [D, H, W]: among the n
/// slices that show it, EP2 takes the one at int(0.5 n), EP1 those at int(p n) for
/// p = 1/6, 1/2, 5/6 (summed as the reference's get_support_index does). Empty when no slice
/// shows the organ.
std::vector<int64_t> support_slices(Protocol protocol, const at::Tensor& labels, int label);

/// The volume indices of fold `fold`, the support (the fold's last volume) last. Throws
/// std::runtime_error when the fold has no query volume.
std::vector<size_t> fold_volumes(const data::VolumeDataset& dataset, int fold);

/// Scores a 3D prediction against the truth into `record` (dice, predicted and true voxels).
void score_prediction(DiceRecord& record, const at::Tensor& prediction, const at::Tensor& truth);

/// A prediction as it is scored, for callers that want to look at it (overlays).
struct PredictionView {
  int query_id;
  const std::string& organ;
  const std::string& method;
  const at::Tensor& query_image;       ///< [d, H, W] float32, z-scored (the scored slices)
  const at::Tensor& prediction;        ///< [d, H, W] bool
  const at::Tensor& truth;             ///< [d, H, W] bool
  const std::vector<int64_t>& slices;  ///< z of each of the d slices in the volume
};
using PredictionObserver = std::function<void(const PredictionView&)>;

/// Few-shot evaluation of fold `fold` of `dataset`: the fold's last volume is the support, the
/// others are queries, volumes are z-scored. The support slices of all organs go through
/// `encoder` in one call, and every query volume's slices once (in batches of batch_size),
/// whatever the number of organs and methods. Throws std::runtime_error naming the volume when
/// the support lacks an organ, and std::invalid_argument when a method needs `priors` and none
/// are given.
std::vector<DiceRecord> evaluate_fold(const models::TiedPrototypeHeadImpl& head,
                                      const SliceEncoder& encoder,
                                      const data::VolumeDataset& dataset, int fold,
                                      const FoldEvaluationOptions& options,
                                      const PredictionObserver& observer = {});

}  // namespace protoseg::eval
