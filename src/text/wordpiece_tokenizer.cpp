#include "protoseg/text/wordpiece_tokenizer.h"

#include <algorithm>
#include <fstream>
#include <stdexcept>

#include <torch/torch.h>

namespace protoseg::text {
namespace {

constexpr size_t kMaxCharsPerWord = 100;  // longer words become [UNK], as in BERT

/// Decodes UTF-8 into code points; an invalid byte becomes U+FFFD.
std::vector<char32_t> decode_utf8(const std::string& text) {
  std::vector<char32_t> out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size();) {
    const auto byte = static_cast<unsigned char>(text[i]);
    int extra = byte < 0x80           ? 0
                : (byte >> 5) == 0x6  ? 1
                : (byte >> 4) == 0xE  ? 2
                : (byte >> 3) == 0x1E ? 3
                                      : -1;
    if (extra < 0 || i + static_cast<size_t>(extra) >= text.size()) {
      out.push_back(0xFFFD);
      ++i;
      continue;
    }
    char32_t code = extra == 0 ? byte : byte & (0x3F >> extra);
    bool valid = true;
    for (int k = 1; k <= extra; ++k) {
      const auto next = static_cast<unsigned char>(text[i + k]);
      valid = valid && (next >> 6) == 0x2;
      code = (code << 6) | (next & 0x3F);
    }
    out.push_back(valid ? code : 0xFFFD);
    i += valid ? extra + 1 : 1;
  }
  return out;
}

void append_utf8(char32_t code, std::string& out) {
  if (code < 0x80) {
    out += static_cast<char>(code);
  } else if (code < 0x800) {
    out += static_cast<char>(0xC0 | (code >> 6));
    out += static_cast<char>(0x80 | (code & 0x3F));
  } else if (code < 0x10000) {
    out += static_cast<char>(0xE0 | (code >> 12));
    out += static_cast<char>(0x80 | ((code >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (code & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (code >> 18));
    out += static_cast<char>(0x80 | ((code >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((code >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (code & 0x3F));
  }
}

std::string encode_utf8(const std::vector<char32_t>& codes) {
  std::string out;
  for (char32_t code : codes) append_utf8(code, out);
  return out;
}

bool is_whitespace(char32_t c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == 0xA0 || c == 0x3000 ||
         (c >= 0x2000 && c <= 0x200A) || c == 0x202F || c == 0x205F;
}

bool is_control(char32_t c) {
  if (c == '\t' || c == '\n' || c == '\r') return false;
  return c < 0x20 || (c >= 0x7F && c < 0xA0) || c == 0xAD || (c >= 0x200B && c <= 0x200F);
}

/// BERT treats every non-alphanumeric ASCII character as punctuation, plus Unicode's
/// punctuation blocks (General Punctuation, CJK Symbols, Latin-1 punctuation marks).
bool is_punctuation(char32_t c) {
  if ((c >= 33 && c <= 47) || (c >= 58 && c <= 64) || (c >= 91 && c <= 96) ||
      (c >= 123 && c <= 126)) {
    return true;
  }
  return c == 0xA1 || c == 0xA7 || c == 0xAB || c == 0xB6 || c == 0xB7 || c == 0xBB || c == 0xBF ||
         (c >= 0x2010 && c <= 0x2027) || (c >= 0x2030 && c <= 0x205E) ||
         (c >= 0x3001 && c <= 0x3003) || (c >= 0x3008 && c <= 0x3011);
}

bool is_cjk(char32_t c) {
  return (c >= 0x4E00 && c <= 0x9FFF) || (c >= 0x3400 && c <= 0x4DBF) ||
         (c >= 0x20000 && c <= 0x2A6DF) || (c >= 0xF900 && c <= 0xFAFF);
}

/// Lower case with accents stripped (NFD then drop combining marks) for ASCII and Latin-1.
char32_t lower_without_accent(char32_t c) {
  if (c >= 'A' && c <= 'Z') return c + 32;
  if (c < 0xC0 || c > 0xFF || c == 0xD7 || c == 0xF7) return c;
  static const char kBase[] =
      "aaaaaaaceeeeiiiidnooooo_ouuuuyts"
      "aaaaaaaceeeeiiiidnooooo_ouuuuyty";
  const char base = kBase[c - 0xC0];
  switch (c) {  // letters without a decomposition: only lower-cased
    case 0xC6:
    case 0xE6: return 0xE6;
    case 0xD0:
    case 0xF0: return 0xF0;
    case 0xD8:
    case 0xF8: return 0xF8;
    case 0xDE:
    case 0xFE: return 0xFE;
    case 0xDF: return 0xDF;
    default: break;
  }
  return static_cast<char32_t>(base);
}

}  // namespace

WordPieceTokenizer::WordPieceTokenizer(const std::filesystem::path& vocab_file) {
  std::ifstream in(vocab_file);
  if (!in) throw std::runtime_error("vocabulary file not found: " + vocab_file.string());
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    ids_.emplace(line, static_cast<int64_t>(tokens_.size()));
    tokens_.push_back(line);
  }
  if (tokens_.empty()) throw std::runtime_error("vocabulary file is empty: " + vocab_file.string());
  auto special = [&](const std::string& name) {
    const auto found = ids_.find(name);
    if (found == ids_.end()) {
      throw std::runtime_error("vocabulary " + vocab_file.string() + " lacks the token " + name);
    }
    return found->second;
  };
  pad_id_ = special("[PAD]");
  unknown_id_ = special("[UNK]");
  cls_id_ = special("[CLS]");
  sep_id_ = special("[SEP]");
}

const std::string& WordPieceTokenizer::token(int64_t id) const {
  TORCH_CHECK(id >= 0 && id < vocab_size(), "token id ", id, " outside the vocabulary of ",
              vocab_size());
  return tokens_[static_cast<size_t>(id)];
}

std::vector<std::string> WordPieceTokenizer::basic_tokens(const std::string& text) const {
  std::vector<std::string> words;
  std::vector<char32_t> word;
  auto flush = [&] {
    if (!word.empty()) words.push_back(encode_utf8(word));
    word.clear();
  };
  for (char32_t c : decode_utf8(text)) {
    if (c == 0 || c == 0xFFFD || is_control(c)) continue;
    if (is_whitespace(c)) {
      flush();
    } else if (is_punctuation(c) || is_cjk(c)) {
      flush();
      words.push_back(encode_utf8({c}));
    } else {
      word.push_back(lower_without_accent(c));
    }
  }
  flush();
  return words;
}

void WordPieceTokenizer::append_word_pieces(const std::string& word,
                                            std::vector<std::string>& out) const {
  const std::vector<char32_t> chars = decode_utf8(word);
  if (chars.size() > kMaxCharsPerWord) {
    out.push_back(tokens_[static_cast<size_t>(unknown_id_)]);
    return;
  }
  std::vector<std::string> pieces;
  size_t start = 0;
  while (start < chars.size()) {
    std::string match;
    size_t end = chars.size();
    for (; end > start; --end) {
      std::string candidate = start > 0 ? "##" : "";
      candidate += encode_utf8({chars.begin() + start, chars.begin() + end});
      if (ids_.count(candidate) != 0) {
        match = std::move(candidate);
        break;
      }
    }
    if (match.empty()) {  // no piece fits: the whole word is unknown
      out.push_back(tokens_[static_cast<size_t>(unknown_id_)]);
      return;
    }
    pieces.push_back(std::move(match));
    start = end;
  }
  out.insert(out.end(), pieces.begin(), pieces.end());
}

std::vector<std::string> WordPieceTokenizer::tokenize(const std::string& text) const {
  std::vector<std::string> out;
  for (const std::string& word : basic_tokens(text)) append_word_pieces(word, out);
  return out;
}

std::vector<int64_t> WordPieceTokenizer::token_ids(const std::string& text) const {
  std::vector<int64_t> ids;
  for (const std::string& piece : tokenize(text)) ids.push_back(ids_.at(piece));
  return ids;
}

std::vector<int64_t> WordPieceTokenizer::encode(const std::string& text, int64_t length) const {
  TORCH_CHECK(length >= 2, "token length must be at least 2 ([CLS] and [SEP]), got ", length);
  std::vector<int64_t> ids = token_ids(text);
  ids.resize(std::min<size_t>(ids.size(), static_cast<size_t>(length - 2)));
  ids.insert(ids.begin(), cls_id_);
  ids.push_back(sep_id_);
  ids.resize(static_cast<size_t>(length), pad_id_);
  return ids;
}

TokenBatch WordPieceTokenizer::encode_batch(const std::vector<std::string>& texts,
                                            int64_t length) const {
  const auto batch = static_cast<int64_t>(texts.size());
  torch::Tensor ids = torch::empty({batch, length}, torch::kLong);
  auto access = ids.accessor<int64_t, 2>();
  for (int64_t b = 0; b < batch; ++b) {
    const std::vector<int64_t> row = encode(texts[static_cast<size_t>(b)], length);
    for (int64_t t = 0; t < length; ++t) access[b][t] = row[static_cast<size_t>(t)];
  }
  return {ids, ids.ne(pad_id_).to(torch::kLong)};
}

}  // namespace protoseg::text
