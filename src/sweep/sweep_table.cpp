#include "protoseg/sweep/sweep_table.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <map>
#include <stdexcept>

#include <nlohmann/json.hpp>

#include "protoseg/sweep/mean_std.h"

namespace protoseg::sweep {
namespace {

nlohmann::json read_json(const std::filesystem::path& file) {
  std::ifstream in(file);
  if (!in) throw std::runtime_error(file.string() + ": cannot open");
  try {
    return nlohmann::json::parse(in);
  } catch (const nlohmann::json::exception& error) {
    throw std::runtime_error(file.string() + ": malformed results: " + error.what());
  }
}

std::string cell(double mean, double std) {
  char text[48];
  std::snprintf(text, sizeof(text), "%.3f +- %.3f", mean, std);
  return text;
}

std::string cell(double mean) {
  char text[24];
  std::snprintf(text, sizeof(text), "%.3f", mean);
  return text;
}

}  // namespace

SweepTable aggregate_sweep(const SweepConfig& config, const std::vector<SweepJob>& jobs) {
  SweepTable table;
  std::map<std::string, nlohmann::json> results;  // by results file
  for (const SweepJob& job : jobs) {
    if (job.done) results[job.results_file.string()] = read_json(job.results_file);
  }
  table.organs = config.organs;
  for (const auto& [file, json] : results) {
    if (!config.organs.empty()) break;
    for (const auto& [method, organs] : json.at("means").items()) {
      for (const auto& [organ, value] : organs.items()) {
        if (organ != "mean" &&
            std::find(table.organs.begin(), table.organs.end(), organ) == table.organs.end()) {
          table.organs.push_back(organ);
        }
      }
    }
  }
  for (const SweepRow& row : config.rows) {
    TableRow out;
    out.label = row.label;
    std::vector<std::vector<double>> values(table.organs.size() + 1);
    for (const SweepJob& job : jobs) {
      if (job.variant != row.variant) continue;
      ++out.expected;
      if (!job.done) continue;
      const nlohmann::json& means = results.at(job.results_file.string()).at("means");
      if (!means.contains(row.method)) {
        throw std::runtime_error(job.results_file.string() + ": no results for method '" +
                                 row.method + "' (row '" + row.label + "')");
      }
      for (size_t o = 0; o < table.organs.size(); ++o) {
        if (!means.at(row.method).contains(table.organs[o])) {
          throw std::runtime_error(job.results_file.string() + ": no organ '" + table.organs[o] +
                                   "' for method '" + row.method + "' (the sweep's organs)");
        }
        values[o].push_back(means.at(row.method).at(table.organs[o]).get<double>());
      }
      values.back().push_back(means.at(row.method).at("mean").get<double>());
      ++out.cells;
    }
    for (const auto& v : values) {
      double mean = NAN, std = NAN;
      if (!v.empty()) mean_std(v, mean, std);
      out.mean.push_back(mean);
      out.std.push_back(std);
    }
    table.rows.push_back(out);
  }
  return table;
}

std::string SweepTable::markdown() const {
  std::string text = "| method |";
  for (const auto& organ : organs) text += " " + organ + " |";
  text += " mean | cells |\n| --- |";
  for (size_t i = 0; i <= organs.size(); ++i) text += " ---: |";
  text += " ---: |\n";
  for (const TableRow& row : rows) {
    text += "| " + row.label + " |";
    for (size_t i = 0; i < row.mean.size(); ++i) {
      // One cell has no spread to show.
      const std::string value = row.cells == 0   ? std::string("-")
                                : row.cells == 1 ? cell(row.mean[i])
                                                 : cell(row.mean[i], row.std[i]);
      text += " " + value + " |";
    }
    text += " " + std::to_string(row.cells) + "/" + std::to_string(row.expected) + " |\n";
  }
  return text;
}

std::string SweepTable::csv() const {
  std::string text = "label,organ,mean,std,cells\n";
  for (const TableRow& row : rows) {
    for (size_t i = 0; i < row.mean.size(); ++i) {
      const std::string organ = i < organs.size() ? organs[i] : "mean";
      char line[160];
      std::snprintf(line, sizeof(line), "%s,%s,%.6f,%.6f,%d\n", row.label.c_str(), organ.c_str(),
                    row.mean[i], row.std[i], row.cells);
      text += line;
    }
  }
  return text;
}

}  // namespace protoseg::sweep
