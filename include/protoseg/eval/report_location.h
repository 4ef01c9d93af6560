#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace protoseg::eval {

/// Where a QaTa-COV19 report places the infection. The reports follow one template:
/// "bilateral pulmonary infection, two infected areas, all left lung and lower right lung."
struct ReportLocation {
  /// Zones named per lung as bits: 1 upper, 2 middle, 4 lower ("all", or a lung named without
  /// zones, is 7); 0 where the lung is not named.
  int left_zones = 0;
  int right_zones = 0;
  /// The number of infected areas ("one" .. "ten", or digits); -1 when the report gives none.
  int64_t areas = -1;

  /// "left", "right", "both" or "none".
  std::string laterality() const;
  /// e.g. "L:upper+lower R:all", "L:- R:lower".
  std::string zones() const;
};

/// Parses a report: each "<zone words> left lung" / "<zone words> right lung" phrase, and
/// "<number> infected area(s)". Case and punctuation are ignored; unknown words are skipped.
ReportLocation parse_report_location(const std::string& report);

/// The index of the candidate report that places the infection most like `report`: the first
/// with the same zones and number of areas, else the first with the same zones, else the first
/// with the same laterality; `fallback` when none shares even the laterality. Retrieval made
/// perfect, as far as the reports' locations go.
int64_t best_matching_report(const std::string& report, const std::vector<std::string>& candidates,
                             int64_t fallback);

}  // namespace protoseg::eval
