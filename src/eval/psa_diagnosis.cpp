#include "protoseg/eval/psa_diagnosis.h"

#include <algorithm>
#include <functional>
#include <map>
#include <set>
#include <stdexcept>

#include "protoseg/eval/report_location.h"

namespace protoseg::eval {
namespace {

/// Share of `values` equal to their most common value, and that value.
std::pair<double, std::string> purity(const std::vector<std::string>& values) {
  std::map<std::string, int64_t> counts;
  for (const auto& value : values) ++counts[value];
  const auto best =
      std::max_element(counts.begin(), counts.end(),
                       [](const auto& a, const auto& b) { return a.second < b.second; });
  if (best == counts.end()) return {0.0, ""};
  return {static_cast<double>(best->second) / static_cast<double>(values.size()), best->first};
}

/// The agreement of prototypes with queries under one criterion (a key of each report).
RetrievalAgreement agreement(const at::Tensor& indices,
                             const std::vector<std::string>& prototype_keys,
                             const std::vector<std::string>& query_keys) {
  RetrievalAgreement out;
  const int64_t n = indices.size(0), k = indices.size(1);
  const auto prototypes = static_cast<double>(prototype_keys.size());
  for (int64_t i = 0; i < n; ++i) {
    const std::string& key = query_keys[static_cast<size_t>(i)];
    const auto matches =
        static_cast<double>(std::count(prototype_keys.begin(), prototype_keys.end(), key));
    out.chance += matches / prototypes;
    out.reachable += matches > 0 ? 1.0 : 0.0;
    bool any = false;
    for (int64_t j = 0; j < k; ++j) {
      const bool agrees = prototype_keys[static_cast<size_t>(indices[i][j].item<int64_t>())] == key;
      if (j == 0 && agrees) out.top1 += 1.0;
      any = any || agrees;
    }
    out.any_of_k += any ? 1.0 : 0.0;
  }
  const auto count = static_cast<double>(std::max<int64_t>(n, 1));
  out.top1 /= count;
  out.any_of_k /= count;
  out.chance /= count;
  out.reachable /= count;
  return out;
}

}  // namespace

TokenKind token_kind(const std::string& token) {
  static const std::set<std::string> location = {"left",  "right", "upper",     "middle",
                                                 "lower", "all",   "bilateral", "unilateral"};
  static const std::set<std::string> extent = {"one",   "two",   "three", "four", "five", "six",
                                               "seven", "eight", "nine",  "ten",  "area", "areas"};
  if (location.count(token) != 0) return TokenKind::kLocation;
  if (extent.count(token) != 0) return TokenKind::kExtent;
  return TokenKind::kOther;
}

std::string to_string(TokenKind kind) {
  switch (kind) {
    case TokenKind::kLocation: return "location";
    case TokenKind::kExtent: return "extent";
    case TokenKind::kOther: return "other";
  }
  return "other";
}

std::vector<TokenRelevance> token_relevance(const std::vector<std::vector<std::string>>& tokens,
                                            const std::vector<std::vector<double>>& relevance,
                                            const std::vector<std::vector<std::string>>& kept) {
  if (tokens.size() != relevance.size() || tokens.size() != kept.size()) {
    throw std::invalid_argument("token_relevance: tokens, relevance and kept differ in length");
  }
  std::map<std::string, TokenRelevance> by_token;
  std::map<std::string, int64_t> kept_count;
  for (size_t r = 0; r < tokens.size(); ++r) {
    if (tokens[r].size() != relevance[r].size()) {
      throw std::invalid_argument("token_relevance: report " + std::to_string(r) +
                                  " has tokens and relevance of different lengths");
    }
    std::map<std::string, int64_t> kept_here;
    for (const auto& token : kept[r]) ++kept_here[token];
    for (size_t t = 0; t < tokens[r].size(); ++t) {
      TokenRelevance& entry = by_token[tokens[r][t]];
      entry.token = tokens[r][t];
      entry.kind = token_kind(entry.token);
      ++entry.occurrences;
      entry.mean_relevance += relevance[r][t];
      if (kept_here[tokens[r][t]] > 0) {  // a repeated token counts as kept as often as kept
        --kept_here[tokens[r][t]];
        ++kept_count[tokens[r][t]];
      }
    }
  }
  std::vector<TokenRelevance> out;
  for (auto& [token, entry] : by_token) {
    const auto occurrences = static_cast<double>(entry.occurrences);
    entry.mean_relevance /= occurrences;
    entry.kept_rate = static_cast<double>(kept_count[token]) / occurrences;
    out.push_back(entry);
  }
  std::stable_sort(out.begin(), out.end(), [](const auto& a, const auto& b) {
    return a.mean_relevance > b.mean_relevance;
  });
  return out;
}

RelevanceHistogram relevance_histogram(const std::vector<std::vector<std::string>>& tokens,
                                       const std::vector<std::vector<double>>& relevance,
                                       const std::vector<double>& edges) {
  if (edges.empty() || !std::is_sorted(edges.begin(), edges.end())) {
    throw std::invalid_argument("relevance_histogram: edges must be non-empty and ascending");
  }
  RelevanceHistogram out{
      edges, std::vector<std::vector<int64_t>>(3, std::vector<int64_t>(edges.size(), 0))};
  for (size_t r = 0; r < tokens.size(); ++r) {
    for (size_t t = 0; t < tokens[r].size(); ++t) {
      const double value = relevance[r][t];
      auto bin =
          static_cast<size_t>(std::upper_bound(edges.begin(), edges.end(), value) - edges.begin());
      bin = bin == 0 ? 0 : bin - 1;
      ++out.counts[static_cast<size_t>(token_kind(tokens[r][t]))][bin];
    }
  }
  return out;
}

std::vector<SurrogateLabelSummary> summarise_surrogate_labels(
    const std::vector<int64_t>& labels, const std::vector<std::string>& filtered,
    const std::vector<std::string>& reports) {
  if (labels.size() != filtered.size() || labels.size() != reports.size()) {
    throw std::invalid_argument(
        "summarise_surrogate_labels: labels, filtered sentences and reports differ in length");
  }
  std::map<int64_t, std::vector<size_t>> members;
  for (size_t i = 0; i < labels.size(); ++i) members[labels[i]].push_back(i);
  std::vector<SurrogateLabelSummary> out;
  for (const auto& [label, rows] : members) {
    SurrogateLabelSummary summary;
    summary.label = label;
    summary.samples = static_cast<int64_t>(rows.size());
    std::map<std::string, int64_t> sentences;
    std::vector<std::string> lateralities, zones, areas;
    for (const size_t i : rows) {
      ++sentences[filtered[i]];
      const ReportLocation location = parse_report_location(reports[i]);
      lateralities.push_back(location.laterality());
      zones.push_back(location.zones());
      areas.push_back(std::to_string(location.areas));
    }
    std::vector<std::pair<std::string, int64_t>> ranked(sentences.begin(), sentences.end());
    std::stable_sort(ranked.begin(), ranked.end(),
                     [](const auto& a, const auto& b) { return a.second > b.second; });
    ranked.resize(std::min<size_t>(ranked.size(), 3));
    summary.top_filtered = ranked;
    std::tie(summary.laterality_purity, summary.main_laterality) = purity(lateralities);
    std::tie(summary.zone_purity, summary.main_zones) = purity(zones);
    summary.areas_purity = purity(areas).first;
    out.push_back(summary);
  }
  return out;
}

RetrievalDiagnosis diagnose_retrieval(const at::Tensor& indices,
                                      const std::vector<std::string>& prototype_reports,
                                      const std::vector<std::string>& query_reports) {
  if (indices.dim() != 2 || indices.size(0) != static_cast<int64_t>(query_reports.size())) {
    throw std::invalid_argument("diagnose_retrieval: indices must be [queries, k]");
  }
  if (prototype_reports.empty()) {
    throw std::invalid_argument("diagnose_retrieval: no prototypes");
  }
  const at::Tensor host = indices.to(at::kCPU).to(at::kLong);
  if (host.numel() > 0 &&
      (host.min().item<int64_t>() < 0 ||
       host.max().item<int64_t>() >= static_cast<int64_t>(prototype_reports.size()))) {
    throw std::invalid_argument("diagnose_retrieval: a prototype index is out of range");
  }
  using Key = std::function<std::string(const std::string&)>;
  auto keys = [](const std::vector<std::string>& reports, const Key& key) {
    std::vector<std::string> out;
    for (const auto& report : reports) out.push_back(key(report));
    return out;
  };
  const Key exact = [](const std::string& report) {
    const ReportLocation location = parse_report_location(report);
    return location.zones() + " areas " + std::to_string(location.areas);
  };
  const Key laterality = [](const std::string& r) { return parse_report_location(r).laterality(); };
  const Key zones = [](const std::string& r) { return parse_report_location(r).zones(); };
  const Key areas = [](const std::string& r) {
    return std::to_string(parse_report_location(r).areas);
  };
  RetrievalDiagnosis out;
  out.queries = host.size(0);
  out.report = agreement(host, keys(prototype_reports, exact), keys(query_reports, exact));
  out.laterality =
      agreement(host, keys(prototype_reports, laterality), keys(query_reports, laterality));
  out.zones = agreement(host, keys(prototype_reports, zones), keys(query_reports, zones));
  out.areas = agreement(host, keys(prototype_reports, areas), keys(query_reports, areas));
  return out;
}

}  // namespace protoseg::eval
