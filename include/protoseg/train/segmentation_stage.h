#pragma once

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include <c10/core/Device.h>
#include <torch/nn/module.h>

#include "protoseg/core/precision.h"
#include "protoseg/data/image_report_dataset.h"
#include "protoseg/data/random_zoom.h"
#include "protoseg/dist/process_group.h"
#include "protoseg/train/prolearn_config.h"
#include "protoseg/train/segmentation_metrics.h"

namespace protoseg::train {

/// Logits [B, 1, H, W] of a batch: `images` [B, 1, H, W] on the device are rows `rows` of the
/// set being read (their reports are looked up by row where a model needs them).
using SegmentationForward = std::function<torch::Tensor(
    const torch::Tensor& images, const std::vector<int64_t>& rows, bool training)>;

/// How a stage ended.
struct SegmentationStageResult {
  int64_t epochs_done = 0;
  int64_t best_epoch = -1;
  double best_dice = -1;
  bool early_stopped = false;
  bool interrupted = false;
  double seconds = 0;
};

/// Trains one segmentation model (the teacher, ProLearn or the image-only U-Net) with AdamW,
/// per-epoch cosine annealing, Dice + BCE, random zoom, and early stopping on the validation
/// mean Dice. In `dir`: `checkpoint.pt` (model, optimizer and position, written atomically at
/// every epoch end and on interruption, so a run resumes mid-epoch), `best.pt` (the model of
/// the best validation epoch) and `history.csv` (one row per epoch, for plotting).
///
/// Data parallel with a `group` of W processes: `batch_size` stays the global batch; each rank
/// takes a contiguous 1/W share of every batch (all ranks draw the same augmentation for the
/// whole batch), gradients are averaged by a bucketed all-reduce overlapping backward, and each
/// rank's loss is weighted by its share so the update equals the single-process one. Every
/// step starts from rank 0's BatchNorm statistics (DistributedDataParallel's broadcast_buffers);
/// the forward normalises with each rank's own batch statistics (no SyncBatchNorm). Validation
/// is split across ranks and summed. Only rank 0 writes files; the position is counted in
/// global batches, so a run resumes under any world size. Ctrl-C on any rank stops all ranks
/// at the same batch.
class SegmentationStage {
 public:
  SegmentationStage(std::string name, StageConfig config, std::filesystem::path dir,
                    c10::Device device, core::Precision precision, uint64_t seed,
                    data::RandomZoomOptions zoom,
                    std::shared_ptr<dist::ProcessGroup> group = nullptr);

  /// Optimises `parameters` of `model` on rows `train_rows` of `train`; validates on `val`.
  /// With `resume`, continues from dir/checkpoint.pt (a finished stage returns at once);
  /// without, an existing checkpoint is an error. `stop` (may be null) ends the run after the
  /// current batch with a checkpoint.
  SegmentationStageResult run(torch::nn::Module& model,
                              const std::vector<torch::Tensor>& parameters,
                              const SegmentationForward& forward, const data::ImageReportSet& train,
                              const std::vector<int64_t>& train_rows,
                              const SegmentationForward& val_forward,
                              const data::ImageReportSet& val, bool resume,
                              const std::atomic<bool>* stop = nullptr);

  /// Loads dir/best.pt into `model`. Throws std::runtime_error naming the file.
  static void load_best(torch::nn::Module& model, const std::filesystem::path& dir);
  /// True when dir/checkpoint.pt records a finished stage.
  static bool finished(const std::filesystem::path& dir);

 private:
  std::string name_;
  StageConfig config_;
  std::filesystem::path dir_;
  c10::Device device_;
  core::Precision precision_;
  uint64_t seed_;
  data::RandomZoomOptions zoom_;
  std::shared_ptr<dist::ProcessGroup> group_;
};

/// Called with the rows of each evaluated batch and their logits [B, 1, H, W].
using BatchObserver =
    std::function<void(const std::vector<int64_t>& rows, const torch::Tensor& logits)>;

/// Scores `model` on (up to `limit`, 0 = all) images of `set` in eval mode without gradients,
/// in batches of `batch_size`, at threshold 0.5; with `rank` / `world_size` only this rank's
/// contiguous share of those images.
SegmentationMetrics evaluate_segmentation(
    torch::nn::Module& model, const SegmentationForward& forward, const data::ImageReportSet& set,
    int64_t batch_size, int64_t limit, const c10::Device& device, core::Precision precision,
    const BatchObserver& observer = {}, int rank = 0, int world_size = 1);

}  // namespace protoseg::train
