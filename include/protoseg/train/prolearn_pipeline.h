#pragma once

#include <atomic>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include <torch/nn/module.h>

#include "protoseg/data/image_report_dataset.h"
#include "protoseg/dist/process_group.h"
#include "protoseg/models/language_guided_unet.h"
#include "protoseg/models/text_encoder.h"
#include "protoseg/text/wordpiece_tokenizer.h"
#include "protoseg/train/prolearn_config.h"
#include "protoseg/train/segmentation_stage.h"

namespace protoseg::train {

/// The segmenters of the text-fraction experiment.
enum class SegmenterKind {
  kProLearn,   ///< teacher, then PSA initialisation, then ProLearn on all images; no text at test
  kGuideSeg,   ///< the text-guided teacher alone: paired images only, needs reports at test time
  kImageOnly,  ///< the U-Net without guide layers on all images
};
/// "prolearn", "guideseg" or "image-only"; throws std::invalid_argument otherwise.
SegmenterKind parse_segmenter_kind(const std::string& name);
std::string to_string(SegmenterKind kind);
/// Sub-folder of a run holding the final model of a kind: prolearn/, teacher/ or image_only/.
std::string stage_folder(SegmenterKind kind);

/// Records of one split ("train", "val", "test"), from the ProLearn layout or the manifests.
std::vector<data::ImageReportRecord> read_image_report_split(const ImageReportDataConfig& config,
                                                             const std::string& split);

/// A segmenter ready to train or evaluate: the module, what the optimizer trains, and how a
/// batch becomes logits (reports looked up by row in the set being read, where needed).
struct Segmenter {
  std::shared_ptr<torch::nn::Module> module;
  std::vector<torch::Tensor> parameters;
  /// forward for rows of a given set; bind with `bind(set)`.
  std::function<SegmentationForward(const data::ImageReportSet&)> bind;
};

/// Builds the segmenter of `kind` (random or ImageNet-initialised; ProLearn with the PSA sized
/// from `prototypes` when given, else untrained). `tokenizer` serves the text-guided kinds.
Segmenter build_segmenter(SegmenterKind kind, const ProLearnConfig& config,
                          const text::WordPieceTokenizer& tokenizer, int64_t prototypes = 0);

/// The best model of `kind` in a trained run (`run_dir/stage_folder(kind)/best.pt`; ProLearn's
/// PSA sized from `run_dir/psa`), moved to `device`. `tokenizer` must outlive the segmenter.
/// Throws std::runtime_error naming a missing or mismatched file.
Segmenter load_trained_segmenter(SegmenterKind kind, const ProLearnConfig& config,
                                 const text::WordPieceTokenizer& tokenizer,
                                 const std::filesystem::path& run_dir, const c10::Device& device);

/// Runs every stage `kind` needs in `run_dir` (resuming finished or interrupted ones with
/// `resume`): saves config.yaml and paired_subset.csv, trains, and leaves the best model in
/// run_dir/stage_folder(kind)/best.pt. Returns false when interrupted. With a `group` of
/// several processes the stages train data-parallel (see SegmentationStage); rank 0 alone
/// writes files and runs the PSA initialisation.
bool train_segmenter(const ProLearnConfig& config, SegmenterKind kind,
                     const std::filesystem::path& run_dir, bool resume,
                     const std::atomic<bool>* stop = nullptr,
                     std::shared_ptr<dist::ProcessGroup> group = nullptr);

}  // namespace protoseg::train
