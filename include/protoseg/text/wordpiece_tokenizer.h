#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <unordered_map>
#include <vector>

#include <ATen/core/Tensor.h>

namespace protoseg::text {

/// Token ids and attention mask of a batch of sentences, each padded or truncated to the same
/// length L.
struct TokenBatch {
  at::Tensor ids;             ///< [B, L] int64 vocabulary ids: [CLS] tokens [SEP] [PAD]...
  at::Tensor attention_mask;  ///< [B, L] int64, 1 on real tokens (with [CLS]/[SEP]), 0 on pad.
};

/// BERT's tokenizer: basic tokenization (control characters removed, whitespace split, lower
/// case, accents stripped, punctuation split into its own tokens) followed by greedy
/// longest-match-first WordPiece over a vocabulary file (one token per line, id = line - 1),
/// as in CXR-BERT and BiomedCLIP's text side. Text is UTF-8; non-ASCII letters other than
/// Latin-1 accented ones are kept as they are.
class WordPieceTokenizer {
 public:
  /// Reads the vocabulary. Throws std::runtime_error naming the file when it is missing, empty
  /// or lacks one of [PAD], [UNK], [CLS], [SEP].
  explicit WordPieceTokenizer(const std::filesystem::path& vocab_file);

  /// Basic tokenization then WordPiece: "Lower-lobe opacity." -> {"lower", "-", "lobe", ...}.
  std::vector<std::string> tokenize(const std::string& text) const;
  /// Vocabulary ids of `tokenize(text)`, without special tokens.
  std::vector<int64_t> token_ids(const std::string& text) const;
  /// [CLS] ids [SEP], truncated to `length` (the [SEP] is kept) and padded with [PAD].
  std::vector<int64_t> encode(const std::string& text, int64_t length) const;
  /// Encodes every sentence to `length` tokens.
  TokenBatch encode_batch(const std::vector<std::string>& texts, int64_t length) const;

  int64_t vocab_size() const { return static_cast<int64_t>(tokens_.size()); }
  int64_t pad_id() const { return pad_id_; }
  int64_t unknown_id() const { return unknown_id_; }
  int64_t cls_id() const { return cls_id_; }
  int64_t sep_id() const { return sep_id_; }
  /// The token string of an id.
  const std::string& token(int64_t id) const;

 private:
  std::vector<std::string> basic_tokens(const std::string& text) const;
  void append_word_pieces(const std::string& word, std::vector<std::string>& out) const;

  std::vector<std::string> tokens_;
  std::unordered_map<std::string, int64_t> ids_;
  int64_t pad_id_ = 0, unknown_id_ = 0, cls_id_ = 0, sep_id_ = 0;
};

}  // namespace protoseg::text
