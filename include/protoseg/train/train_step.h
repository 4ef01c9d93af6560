#pragma once

#include <c10/core/Device.h>

#include "protoseg/core/precision.h"
#include "protoseg/dist/gradient_reducer.h"
#include "protoseg/models/few_shot_segmenter.h"
#include "protoseg/train/episode_objective.h"
#include "protoseg/train/sgd.h"
#include "protoseg/train/train_config.h"

namespace protoseg::train {

/// Wall-clock seconds of one step's phases.
struct StepTimes {
  double forward_s = 0.0;    ///< segmenter forward and losses (under autocast for bf16)
  double backward_s = 0.0;   ///< autograd backward
  double optimizer_s = 0.0;  ///< gradient clipping, SGD update, head statistics
};

/// What one training step produced.
struct StepOutcome {
  EpisodeLosses losses;
  double loss = 0.0;   ///< losses.total as a number
  bool finite = true;  ///< false: the loss was NaN/Inf and no update was made
  StepTimes times;
};

/// One optimisation step of ADNet/TPM on one episode: forward (autocast to bf16 when asked),
/// the loss checked for finiteness before anything is updated, backward, SGD with gradient
/// value clipping at the given learning rate, and the head's EMA statistics.
class TrainStep {
 public:
  /// With a `reducer`, gradients are averaged over the ranks between backward and the update.
  TrainStep(models::FewShotSegmenter model, Sgd& optimizer, TrainConfig config,
            core::Precision precision, dist::GradientReducer* reducer = nullptr);
  StepOutcome run(const EpisodeBatch& batch, double lr);

 private:
  models::FewShotSegmenter model_;
  Sgd& optimizer_;
  TrainConfig config_;
  core::Precision precision_;
  c10::Device device_;
  dist::GradientReducer* reducer_;
};

/// The Sgd settings of an optimizer config.
SgdOptions sgd_options(const OptimizerConfig& optimizer);

/// lr * gamma^(floor(step / lr_step)): the reference's MultiStepLR at every lr_step steps.
double learning_rate_at(const OptimizerConfig& optimizer, int64_t step);

}  // namespace protoseg::train
