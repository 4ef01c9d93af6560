#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <ATen/core/Tensor.h>
#include <c10/core/Device.h>

#include "protoseg/core/precision.h"
#include "protoseg/data/image_report_dataset.h"
#include "protoseg/models/language_guided_unet.h"
#include "protoseg/models/text_encoder.h"
#include "protoseg/text/wordpiece_tokenizer.h"

namespace protoseg::train {

/// A set of reports as ProLearn's trained teacher sees them (PSA initialisation, Sec. 2.2):
/// per sample, the relevance of each word token, the tokens kept, and the teacher's encoding of
/// the filtered sentence. All tensors are float32 (masks int64) on the host.
struct FilteredReports {
  at::Tensor queries;    ///< [N, query_dim] the image embeddings (pooled stride-32 features)
  at::Tensor responses;  ///< [N, L, text_dim] token features of the filtered sentences
  at::Tensor masks;      ///< [N, L] int64, 1 on the real tokens of the filtered sentences
  /// Per sample, the report's word tokens (no [CLS], [SEP] or padding) in order...
  std::vector<std::vector<int64_t>> word_ids;
  /// ...and each one's relevance: its share of the cross-attention to all word tokens times
  /// the word count, so 1 is an average token.
  std::vector<std::vector<double>> relevance;
  /// The tokens kept: relevance above tau, and always the most relevant one.
  std::vector<std::vector<int64_t>> kept_ids;
};

/// Token relevance and filtering with a trained teacher, on the given rows of `set` (which
/// must have reports): the teacher's cross-attention weights of each report token, averaged
/// over its guide layers, heads and image positions, as a share of all word tokens; tokens with
/// share x word count > tau are kept (at least the most relevant one); [CLS] kept tokens [SEP]
/// is encoded by the teacher's text encoder. Runs in evaluation mode without gradients and
/// restores the modules' training flags.
FilteredReports filter_reports(models::LanguageGuidedUNet& teacher,
                               models::TextEncoderImpl& text_encoder,
                               const text::WordPieceTokenizer& tokenizer,
                               const data::ImageReportSet& set, const std::vector<int64_t>& rows,
                               double tau, int64_t token_length, const c10::Device& device,
                               core::Precision precision, int64_t batch_size = 32);

/// Joins WordPiece tokens back into words ("cov", "##id" -> "covid").
std::string join_tokens(const text::WordPieceTokenizer& tokenizer, const std::vector<int64_t>& ids);

}  // namespace protoseg::train
