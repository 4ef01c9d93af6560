#include "protoseg/eval/psa_diagnosis.h"

#include <stdexcept>

#include <gtest/gtest.h>
#include <torch/torch.h>

namespace protoseg::eval {
namespace {

const std::string kBothLower =
    "bilateral pulmonary infection, two infected areas, lower left lung and lower right lung.";
const std::string kBothAll =
    "bilateral pulmonary infection, two infected areas, all left lung and all right lung.";
const std::string kRightMiddle =
    "unilateral pulmonary infection, one infected area, middle right lung.";

TEST(PsaDiagnosisTest, TokenKinds) {
  EXPECT_EQ(token_kind("left"), TokenKind::kLocation);
  EXPECT_EQ(token_kind("bilateral"), TokenKind::kLocation);
  EXPECT_EQ(token_kind("two"), TokenKind::kExtent);
  EXPECT_EQ(token_kind("areas"), TokenKind::kExtent);
  EXPECT_EQ(token_kind("pulmonary"), TokenKind::kOther);
  EXPECT_EQ(to_string(TokenKind::kLocation), "location");
}

TEST(PsaDiagnosisTest, TokenRelevanceAveragesAndCountsKeptOccurrences) {
  const std::vector<std::vector<std::string>> tokens = {{"left", "lung", "left"}, {"left", "a"}};
  const std::vector<std::vector<double>> relevance = {{2.0, 0.5, 0.5}, {1.4, 0.6}};
  const std::vector<std::vector<std::string>> kept = {{"left"}, {"left"}};
  const auto table = token_relevance(tokens, relevance, kept);
  ASSERT_EQ(table.size(), 3u);
  EXPECT_EQ(table[0].token, "left");  // (2.0 + 0.5 + 1.4) / 3 = 1.3, the highest
  EXPECT_EQ(table[0].occurrences, 3);
  EXPECT_NEAR(table[0].mean_relevance, 1.3, 1e-12);
  EXPECT_NEAR(table[0].kept_rate, 2.0 / 3.0, 1e-12);  // kept once in each report
  EXPECT_EQ(table[0].kind, TokenKind::kLocation);
  EXPECT_EQ(table[2].token, "lung");
  EXPECT_EQ(table[2].kept_rate, 0.0);
  EXPECT_THROW(token_relevance(tokens, {{1.0}}, kept), std::invalid_argument);
}

TEST(PsaDiagnosisTest, HistogramBinsByKindWithAnOpenLastBin) {
  const auto histogram = relevance_histogram({{"left", "lung", "two"}, {"right"}},
                                             {{0.2, 1.2, 9.0}, {1.0}}, {0.0, 1.0, 2.0});
  ASSERT_EQ(histogram.counts.size(), 3u);
  EXPECT_EQ(histogram.counts[0], (std::vector<int64_t>{1, 1, 0}));  // left 0.2, right 1.0
  EXPECT_EQ(histogram.counts[1], (std::vector<int64_t>{0, 0, 1}));  // two 9.0
  EXPECT_EQ(histogram.counts[2], (std::vector<int64_t>{0, 1, 0}));  // lung 1.2
  EXPECT_THROW(relevance_histogram({}, {}, {1.0, 0.0}), std::invalid_argument);
}

TEST(PsaDiagnosisTest, SurrogateLabelPurityAgainstTheFullReports) {
  const auto labels =
      summarise_surrogate_labels({0, 0, 0, 1}, {"lower", "lower", "all", "middle right"},
                                 {kBothLower, kBothLower, kBothAll, kRightMiddle});
  ASSERT_EQ(labels.size(), 2u);
  EXPECT_EQ(labels[0].samples, 3);
  EXPECT_EQ(labels[0].main_laterality, "both");
  EXPECT_DOUBLE_EQ(labels[0].laterality_purity, 1.0);
  EXPECT_EQ(labels[0].main_zones, "L:lower R:lower");
  EXPECT_NEAR(labels[0].zone_purity, 2.0 / 3.0, 1e-12);
  EXPECT_DOUBLE_EQ(labels[0].areas_purity, 1.0);
  ASSERT_EQ(labels[0].top_filtered.size(), 2u);
  EXPECT_EQ(labels[0].top_filtered[0], (std::pair<std::string, int64_t>{"lower", 2}));
  EXPECT_EQ(labels[1].main_laterality, "right");
  EXPECT_THROW(summarise_surrogate_labels({0}, {}, {kBothAll}), std::invalid_argument);
}

TEST(PsaDiagnosisTest, RetrievalAgreementTopOneAnyChanceAndReachable) {
  // Prototypes: 0 both-lower, 1 both-all, 2 right-middle.
  const std::vector<std::string> prototypes = {kBothLower, kBothAll, kRightMiddle};
  // Query 0 (both-lower) gets [1, 0]: wrong first, right second.
  // Query 1 (right-middle) gets [2, 0]: right first.
  const torch::Tensor indices = torch::tensor({1, 0, 2, 0}, torch::kLong).view({2, 2});
  const RetrievalDiagnosis d = diagnose_retrieval(indices, prototypes, {kBothLower, kRightMiddle});
  EXPECT_EQ(d.queries, 2);
  EXPECT_DOUBLE_EQ(d.zones.top1, 0.5);
  EXPECT_DOUBLE_EQ(d.zones.any_of_k, 1.0);
  EXPECT_NEAR(d.zones.chance, 1.0 / 3.0, 1e-12);  // each query matches one prototype of three
  EXPECT_DOUBLE_EQ(d.zones.reachable, 1.0);
  EXPECT_DOUBLE_EQ(d.laterality.top1, 1.0);  // both lungs in prototype 1 as in query 0
  EXPECT_NEAR(d.laterality.chance, (2.0 / 3.0 + 1.0 / 3.0) / 2.0, 1e-12);
  EXPECT_DOUBLE_EQ(d.areas.top1, 1.0);  // "two" and "one" areas both retrieved right first
  EXPECT_DOUBLE_EQ(d.report.top1, 0.5);
}

TEST(PsaDiagnosisTest, RetrievalRejectsBadIndices) {
  EXPECT_THROW(
      diagnose_retrieval(torch::tensor({3}, torch::kLong).view({1, 1}), {kBothAll}, {kBothAll}),
      std::invalid_argument);
  EXPECT_THROW(diagnose_retrieval(torch::zeros({2, 1}, torch::kLong), {kBothAll}, {kBothAll}),
               std::invalid_argument);
  EXPECT_THROW(diagnose_retrieval(torch::zeros({1, 1}, torch::kLong), {}, {kBothAll}),
               std::invalid_argument);
}

}  // namespace
}  // namespace protoseg::eval
