#include "protoseg/eval/dice_report.h"

#include <algorithm>
#include <cstdio>
#include <sstream>

#include <nlohmann/json.hpp>

namespace protoseg::eval {
namespace {

void add_once(std::vector<std::string>& list, const std::string& value) {
  if (std::find(list.begin(), list.end(), value) == list.end()) list.push_back(value);
}

std::string fixed4(double value) {
  char cell[32];
  std::snprintf(cell, sizeof(cell), "%.4f", value);
  return cell;
}

}  // namespace

double DiceMeans::organ_mean(const std::string& method) const {
  const auto& row = means.at(method);
  double sum = 0.0;
  for (const auto& organ : organs) sum += row.at(organ);
  return organs.empty() ? 0.0 : sum / static_cast<double>(organs.size());
}

DiceMeans mean_dice(const std::vector<DiceRecord>& records) {
  DiceMeans result;
  std::map<std::string, std::map<std::string, int>> counts;
  for (const DiceRecord& r : records) {
    add_once(result.methods, r.method);
    add_once(result.organs, r.organ);
    result.means[r.method][r.organ] += r.dice;
    ++counts[r.method][r.organ];
  }
  for (auto& [method, row] : result.means) {
    for (auto& [organ, sum] : row) sum /= counts[method][organ];
  }
  return result;
}

std::string dice_csv(const std::vector<DiceRecord>& records, int fold) {
  std::ostringstream out;
  out << "fold,organ,label,support_id,support_slices,query_id,method,dice,predicted_voxels,"
         "true_voxels\n";
  for (const DiceRecord& r : records) {
    std::string slices;
    for (int z : r.support_slices) slices += (slices.empty() ? "" : ";") + std::to_string(z);
    out << fold << "," << r.organ << "," << r.label << "," << r.support_id << "," << slices << ","
        << r.query_id << "," << r.method << "," << fixed4(r.dice) << "," << r.predicted_voxels
        << "," << r.true_voxels << "\n";
  }
  return out.str();
}

std::string dice_json(const std::vector<DiceRecord>& records, int fold,
                      const std::string& protocol) {
  nlohmann::json rows = nlohmann::json::array();
  for (const DiceRecord& r : records) {
    rows.push_back({{"organ", r.organ},
                    {"label", r.label},
                    {"support_id", r.support_id},
                    {"support_slices", r.support_slices},
                    {"query_id", r.query_id},
                    {"method", r.method},
                    {"dice", r.dice},
                    {"predicted_voxels", r.predicted_voxels},
                    {"true_voxels", r.true_voxels}});
  }
  const DiceMeans means = mean_dice(records);
  nlohmann::json table = nlohmann::json::object();
  for (const auto& method : means.methods) {
    for (const auto& organ : means.organs) table[method][organ] = means.means.at(method).at(organ);
    table[method]["mean"] = means.organ_mean(method);
  }
  const nlohmann::json doc = {
      {"fold", fold}, {"protocol", protocol}, {"records", rows}, {"means", table}};
  return doc.dump(2) + "\n";
}

std::string dice_markdown(const DiceMeans& means) {
  std::ostringstream out;
  out << "| method |";
  for (const auto& organ : means.organs) out << " " << organ << " |";
  out << " mean |\n| --- |";
  for (size_t i = 0; i <= means.organs.size(); ++i) out << " ---: |";
  out << "\n";
  for (const auto& method : means.methods) {
    out << "| " << method << " |";
    for (const auto& organ : means.organs)
      out << " " << fixed4(means.means.at(method).at(organ)) << " |";
    out << " " << fixed4(means.organ_mean(method)) << " |\n";
  }
  return out.str();
}

}  // namespace protoseg::eval
