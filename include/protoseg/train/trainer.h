#pragma once

#include <atomic>
#include <filesystem>
#include <memory>

#include "protoseg/data/dataset_config.h"
#include "protoseg/models/few_shot_segmenter.h"
#include "protoseg/train/train_config.h"

#include "protoseg/dist/process_group.h"

namespace protoseg::train {

/// Builds the segmenter a config describes, with the encoder weights file loaded (strictly,
/// the classifier `fc.*` excepted) when one is set.
models::FewShotSegmenter make_segmenter(const TrainConfig& config);

/// How a run ended.
struct TrainResult {
  int64_t steps_done = 0;
  bool interrupted = false;  ///< stopped by a request (Ctrl-C) after writing a checkpoint
  double seconds = 0.0;
};

/// Self-supervised few-shot training (ADNet/TPM) on supervoxel episodes. Writes into run_dir:
/// `checkpoint.pt` (every checkpoint_every steps, on interruption and at the end),
/// `metrics.jsonl` (one JSON object every log_every steps), `validation.jsonl` (held-out
/// supervoxel episodes) and `model.pth` (final weights as a state dict).
class Trainer {
 public:
  /// With a `group` of W processes training is data parallel: each step, rank r trains on
  /// episode next_episode + r (W episodes per step, so the checkpoint's episode counter is
  /// global and a run resumes under any W), gradients are averaged (dist::GradientReducer), the
  /// head's EMA statistics and BatchNorm buffers follow rank 0 (broadcast every step), and only
  /// rank 0 validates, logs and writes files.
  Trainer(TrainConfig config, data::DatasetConfig dataset, std::filesystem::path run_dir,
          std::shared_ptr<dist::ProcessGroup> group = nullptr);

  /// Trains up to config.steps. With `resume`, continues from run_dir/checkpoint.pt (the same
  /// parameters as an uninterrupted run); without it, refuses a run_dir that has one. Stops
  /// early, after a checkpoint, when `*stop` becomes true. Throws std::runtime_error naming
  /// the step when the loss is not finite (the last checkpoint is kept).
  TrainResult run(bool resume, const std::atomic<bool>* stop = nullptr);

  /// The model (after run(): the trained one).
  models::FewShotSegmenter model() const { return model_; }

 private:
  TrainConfig config_;
  data::DatasetConfig dataset_;
  std::filesystem::path run_dir_;
  models::FewShotSegmenter model_{nullptr};
  std::shared_ptr<dist::ProcessGroup> group_;
};

}  // namespace protoseg::train
