#include "protoseg/text/wordpiece_tokenizer.h"

#include <fstream>

#include <gtest/gtest.h>
#include <torch/torch.h>

#include "expect_error.h"
#include "test_paths.h"

namespace protoseg::text {
namespace {

WordPieceTokenizer cxr_bert_tokenizer() {
  return WordPieceTokenizer(testing::shared_data("text/cxr_bert_vocab.txt"));
}

// Ids are vocabulary line numbers minus one, read with `grep -n -x WORD cxr_bert_vocab.txt`.
TEST(WordPieceTokenizerTest, RealDataEncodesAQataReportByHand) {
  const WordPieceTokenizer tokenizer = cxr_bert_tokenizer();
  EXPECT_EQ(tokenizer.vocab_size(), 30522);
  EXPECT_EQ(tokenizer.pad_id(), 0);
  EXPECT_EQ(tokenizer.unknown_id(), 1);
  EXPECT_EQ(tokenizer.cls_id(), 2);
  EXPECT_EQ(tokenizer.sep_id(), 3);
  // reports/covid_0014.txt
  const std::string report =
      "unilateral pulmonary infection, one infected area, middle right lung.";
  const std::vector<int64_t> expected = {2,  8673, 3004, 2585, 16, 2159, 4291, 3193,
                                         16, 5500, 2354, 2572, 18, 3,    0,    0,
                                         0,  0,    0,    0,    0,  0,    0,    0};
  EXPECT_EQ(tokenizer.encode(report, 24), expected);
}

TEST(WordPieceTokenizerTest, RealDataSplitsUnknownWordsIntoPiecesAndPunctuation) {
  const WordPieceTokenizer tokenizer = cxr_bert_tokenizer();
  // "covid" is not in the vocabulary, nor is "covi": greedy longest match gives cov + ##id.
  const std::vector<std::string> tokens = tokenizer.tokenize("  COVID-19\tPneumonitis ");
  EXPECT_EQ(tokens, (std::vector<std::string>{"cov", "##id", "-", "19", "pneumonitis"}));
  EXPECT_EQ(tokenizer.token_ids("COVID-19"), (std::vector<int64_t>{8973, 1721, 17, 2281}));
  // Accents are stripped and case folded before the lookup: "Lungs" and "lungs" agree.
  EXPECT_EQ(tokenizer.token_ids("L\xC3\xBCngs"), tokenizer.token_ids("lungs"));
}

TEST(WordPieceTokenizerTest, RealDataTruncatesKeepingSepAndMasksPadding) {
  const WordPieceTokenizer tokenizer = cxr_bert_tokenizer();
  const std::string report =
      "bilateral pulmonary infection, two infected areas, all left lung and middle lower right "
      "lung.";
  const std::vector<int64_t> ids = tokenizer.encode(report, 8);
  // [CLS] bilateral pulmonary infection , two infected [SEP]
  EXPECT_EQ(ids, (std::vector<int64_t>{2, 4026, 3004, 2585, 16, 2075, 4291, 3}));
  const TokenBatch batch = tokenizer.encode_batch({report, "lung."}, 6);
  EXPECT_EQ(batch.ids.sizes(), (std::vector<int64_t>{2, 6}));
  EXPECT_TRUE(torch::equal(batch.attention_mask[1], torch::tensor({1, 1, 1, 1, 0, 0})));
  EXPECT_EQ(batch.attention_mask[0].sum().item<int64_t>(), 6);
}

TEST(WordPieceTokenizerTest, WordWithoutAnyPieceIsUnknown) {
  const auto dir = testing::fresh_temp_dir("tiny_vocab");
  std::ofstream(dir / "vocab.txt") << "[PAD]\n[UNK]\n[CLS]\n[SEP]\nab\n##c\n";
  const WordPieceTokenizer tokenizer(dir / "vocab.txt");
  EXPECT_EQ(tokenizer.tokenize("abc abd"), (std::vector<std::string>{"ab", "##c", "[UNK]"}));
}

TEST(WordPieceTokenizerTest, MissingOrIncompleteVocabularyIsNamed) {
  const auto dir = testing::fresh_temp_dir("bad_vocab");
  testing::expect_error<std::runtime_error>([&] { WordPieceTokenizer tokenizer(dir / "none.txt"); },
                                            "none.txt");
  std::ofstream(dir / "vocab.txt") << "[PAD]\n[UNK]\n[CLS]\n";
  testing::expect_error<std::runtime_error>(
      [&] { WordPieceTokenizer tokenizer(dir / "vocab.txt"); }, "[SEP]");
}

}  // namespace
}  // namespace protoseg::text
