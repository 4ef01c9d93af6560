#include "protoseg/eval/report_location.h"

#include <array>
#include <cctype>
#include <sstream>
#include <vector>

namespace protoseg::eval {
namespace {

std::vector<std::string> words_of(const std::string& report) {
  std::string cleaned;
  for (const char c : report) {
    cleaned += std::isalnum(static_cast<unsigned char>(c))
                   ? static_cast<char>(std::tolower(static_cast<unsigned char>(c)))
                   : ' ';
  }
  std::istringstream stream(cleaned);
  std::vector<std::string> words;
  for (std::string word; stream >> word;) words.push_back(word);
  return words;
}

int zone_bit(const std::string& word) {
  if (word == "upper") return 1;
  if (word == "middle") return 2;
  if (word == "lower") return 4;
  if (word == "all") return 7;
  return 0;
}

int64_t number_of(const std::string& word) {
  static const std::array<const char*, 10> names = {"one", "two",   "three", "four", "five",
                                                    "six", "seven", "eight", "nine", "ten"};
  for (size_t i = 0; i < names.size(); ++i) {
    if (word == names[i]) return static_cast<int64_t>(i + 1);
  }
  if (!word.empty() && word.find_first_not_of("0123456789") == std::string::npos) {
    return std::stoll(word);
  }
  return -1;
}

std::string zone_names(int zones) {
  if (zones == 0) return "-";
  if (zones == 7) return "all";
  std::string names;
  const std::array<std::pair<int, const char*>, 3> parts = {
      {{1, "upper"}, {2, "middle"}, {4, "lower"}}};
  for (const auto& [bit, name] : parts) {
    if ((zones & bit) == 0) continue;
    if (!names.empty()) names += '+';
    names += name;
  }
  return names;
}

}  // namespace

std::string ReportLocation::laterality() const {
  if (left_zones != 0 && right_zones != 0) return "both";
  if (left_zones != 0) return "left";
  if (right_zones != 0) return "right";
  return "none";
}

std::string ReportLocation::zones() const {
  return "L:" + zone_names(left_zones) + " R:" + zone_names(right_zones);
}

ReportLocation parse_report_location(const std::string& report) {
  const std::vector<std::string> words = words_of(report);
  ReportLocation location;
  int pending = 0;  // zone words seen since the last lung
  for (size_t i = 0; i < words.size(); ++i) {
    const std::string& word = words[i];
    const bool lung_follows = i + 1 < words.size() && words[i + 1].rfind("lung", 0) == 0;
    if ((word == "left" || word == "right") && lung_follows) {
      int& side = word == "left" ? location.left_zones : location.right_zones;
      side |= pending == 0 ? 7 : pending;
      pending = 0;
    } else if (const int bit = zone_bit(word); bit != 0) {
      pending |= bit;
    } else if (word.rfind("area", 0) == 0 && i >= 2 && words[i - 1] == "infected") {
      location.areas = number_of(words[i - 2]);
    } else if (word == "and") {
      continue;
    }
  }
  return location;
}

int64_t best_matching_report(const std::string& report, const std::vector<std::string>& candidates,
                             int64_t fallback) {
  const ReportLocation own = parse_report_location(report);
  int64_t best = fallback, best_score = 0;
  for (size_t c = 0; c < candidates.size(); ++c) {
    const ReportLocation location = parse_report_location(candidates[c]);
    const int score = location.zones() == own.zones()
                          ? (location.areas == own.areas ? 3 : 2)
                          : (location.laterality() == own.laterality() ? 1 : 0);
    if (score > best_score) best = static_cast<int64_t>(c), best_score = score;
  }
  return best;
}

}  // namespace protoseg::eval
