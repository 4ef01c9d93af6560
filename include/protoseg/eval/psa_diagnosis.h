#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include <ATen/core/Tensor.h>

namespace protoseg::eval {

/// What kind of information a report token carries, for the token-relevance diagnosis.
enum class TokenKind {
  kLocation,  ///< left, right, upper, middle, lower, all, bilateral, unilateral
  kExtent,    ///< one .. ten, area(s)
  kOther,     ///< pulmonary, infection, lung, punctuation, ...
};
TokenKind token_kind(const std::string& token);
std::string to_string(TokenKind kind);

/// The relevance the teacher gives one vocabulary token over a set of reports.
struct TokenRelevance {
  std::string token;
  TokenKind kind = TokenKind::kOther;
  int64_t occurrences = 0;
  double mean_relevance = 0;  ///< 1 is an average token of its report
  double kept_rate = 0;       ///< share of its occurrences that survive the tau filter
};

/// Per token (WordPiece string): occurrences, mean relevance and kept rate, from per-report
/// tokens, their relevance and the kept tokens. Sorted by mean relevance, highest first.
std::vector<TokenRelevance> token_relevance(const std::vector<std::vector<std::string>>& tokens,
                                            const std::vector<std::vector<double>>& relevance,
                                            const std::vector<std::vector<std::string>>& kept);

/// Histogram of token relevance per kind: counts[kind][bin] over the bins [edges[i],
/// edges[i + 1]) with the last bin open above.
struct RelevanceHistogram {
  std::vector<double> edges;
  std::vector<std::vector<int64_t>> counts;  ///< [3 kinds][bins]
};
RelevanceHistogram relevance_histogram(const std::vector<std::vector<std::string>>& tokens,
                                       const std::vector<std::vector<double>>& relevance,
                                       const std::vector<double>& edges);

/// One surrogate label of the PSA: how well it separates reports by location and extent.
struct SurrogateLabelSummary {
  int64_t label = 0;
  int64_t samples = 0;
  /// The most frequent filtered sentences with their counts (at most three).
  std::vector<std::pair<std::string, int64_t>> top_filtered;
  /// Share of the label's samples whose full report has the label's most common laterality,
  /// zones, and number of areas.
  double laterality_purity = 0, zone_purity = 0, areas_purity = 0;
  std::string main_laterality, main_zones;
};
/// Per label, from each paired sample's label, filtered sentence and full report.
std::vector<SurrogateLabelSummary> summarise_surrogate_labels(
    const std::vector<int64_t>& labels, const std::vector<std::string>& filtered,
    const std::vector<std::string>& reports);

/// Agreement of retrieved prototypes with the query image's own report, by one criterion.
struct RetrievalAgreement {
  double top1 = 0;       ///< share of queries whose best prototype's report agrees
  double any_of_k = 0;   ///< share with at least one agreeing prototype among the top-k
  double chance = 0;     ///< expected top-1 agreement of a prototype drawn uniformly
  double reachable = 0;  ///< share of queries for which any prototype agrees at all
};
/// Retrieval accuracy of the PSA on a set of queries with reports, by exact report,
/// laterality, zones (both lungs) and number of areas.
struct RetrievalDiagnosis {
  int64_t queries = 0;
  RetrievalAgreement report, laterality, zones, areas;
};
/// indices [N, k] (the PSA's top-k, best first), the report each prototype came from, and the
/// query images' own reports (N).
RetrievalDiagnosis diagnose_retrieval(const at::Tensor& indices,
                                      const std::vector<std::string>& prototype_reports,
                                      const std::vector<std::string>& query_reports);

}  // namespace protoseg::eval
