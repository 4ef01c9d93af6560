#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include <ATen/core/Tensor.h>
#include <c10/core/Device.h>

#include "protoseg/core/precision.h"
#include "protoseg/data/image_report_dataset.h"
#include "protoseg/models/language_guided_unet.h"
#include "protoseg/models/text_encoder.h"
#include "protoseg/text/wordpiece_tokenizer.h"
#include "protoseg/train/prolearn_config.h"

namespace protoseg::train {

/// What the PSA initialisation produced: the prototypes and, per paired sample, how it got
/// there (for inspection in psa/samples.csv).
struct PsaPrototypes {
  at::Tensor queries;        ///< [P, query_dim] image embeddings
  at::Tensor responses;      ///< [P, L, text_dim] token features of the filtered reports
  at::Tensor response_mask;  ///< [P, L] int64, 1 on real tokens
  std::vector<int64_t>
      prototype_rows;            ///< training-set row each prototype came from (-1 for a centroid)
  int64_t surrogate_labels = 0;  ///< K, HDBSCAN clusters (plus one group for noise)
  // Per paired sample, in the order of the rows given:
  std::vector<int64_t> rows;
  std::vector<std::string> filtered_reports;
  std::vector<int64_t> labels;        ///< surrogate label (0-based)
  std::vector<int64_t> sub_clusters;  ///< K-means sub-cluster within the label
};

/// ProLearn's PSA initialisation (Sec. 2.2) with a trained text-guided teacher, on the paired
/// rows of `train`:
/// 1. token relevance: the teacher's cross-attention weights of each report token, averaged
///    over guide layers, heads and image positions, as a share of all word tokens; tokens whose
///    share times the word count exceeds config.tau are kept (at least the most relevant one);
/// 2. the filtered sentences are encoded by the teacher's text encoder: token features
///    (responses) and their mean over real tokens (the text feature);
/// 3. HDBSCAN (min_cluster_size) on the text features of the distinct filtered sentences gives
///    the surrogate labels; noise sentences form one more label;
/// 4. per label, K-means (seeded) into min(M, size) sub-clusters on the image embeddings (the
///    teacher's pooled stride-32 features);
/// 5. per sub-cluster, the sample nearest its centroid gives a query prototype (its image
///    embedding) and its response prototype (its token features); with
///    config.prototype == "centroid" the sub-cluster means are used instead.
PsaPrototypes initialise_prototypes(
    models::LanguageGuidedUNet& teacher, models::TextEncoderImpl& text_encoder,
    const text::WordPieceTokenizer& tokenizer, const data::ImageReportSet& train,
    const std::vector<int64_t>& paired_rows, const PsaConfig& config, int64_t token_length,
    uint64_t seed, const c10::Device& device, core::Precision precision, int64_t batch_size = 32);

/// Writes the prototypes to `dir`/prototypes.pt and the per-sample table to `dir`/samples.csv
/// (atomically); reads them back.
void save_prototypes(const PsaPrototypes& prototypes, const std::filesystem::path& dir);
PsaPrototypes load_prototypes(const std::filesystem::path& dir);

}  // namespace protoseg::train
