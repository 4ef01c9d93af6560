#include "protoseg/eval/report_swaps.h"

#include <algorithm>
#include <numeric>
#include <stdexcept>
#include <string>

#include <ATen/ATen.h>

namespace protoseg::eval {

data::ImageReportSet with_reports_of_others(const data::ImageReportSet& set,
                                            std::mt19937_64& generator) {
  std::vector<size_t> cycle(set.reports.size());
  std::iota(cycle.begin(), cycle.end(), size_t{0});
  std::shuffle(cycle.begin(), cycle.end(), generator);
  data::ImageReportSet out = set;
  for (size_t k = 0; k < cycle.size(); ++k) {
    const size_t from = cycle[(k + 1) % cycle.size()];
    out.reports[cycle[k]] = set.reports[from];
    out.has_report[cycle[k]] = set.has_report[from];
  }
  return out;
}

data::ImageReportSet with_reports_from(const data::ImageReportSet& set,
                                       const data::ImageReportSet& references,
                                       const at::Tensor& source) {
  if (source.dim() != 1 || source.size(0) != set.size()) {
    throw std::invalid_argument("with_reports_from: need one source row per image (" +
                                std::to_string(set.size()) + "), got a tensor of " +
                                std::to_string(source.numel()) + " elements");
  }
  const at::Tensor rows = source.to(at::kCPU, at::kLong).contiguous();
  const int64_t* row = rows.data_ptr<int64_t>();
  data::ImageReportSet out = set;
  for (int64_t i = 0; i < set.size(); ++i) {
    if (row[i] < 0 || row[i] >= references.size()) {
      throw std::invalid_argument("with_reports_from: source row " + std::to_string(row[i]) +
                                  " of image " + std::to_string(i) + " is outside the " +
                                  std::to_string(references.size()) + " references");
    }
    const auto from = static_cast<size_t>(row[i]);
    out.reports[static_cast<size_t>(i)] = references.reports[from];
    out.has_report[static_cast<size_t>(i)] = references.has_report[from];
  }
  return out;
}

}  // namespace protoseg::eval
