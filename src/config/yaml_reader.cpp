#include "protoseg/config/yaml_reader.h"

#include <cmath>
#include <limits>

namespace protoseg::config {
namespace {

std::string scalar_text(const YAML::Node& node) {
  if (node.IsScalar()) return "'" + node.Scalar() + "'";
  if (node.IsSequence()) return "a list";
  if (node.IsMap()) return "a mapping";
  return "nothing";
}

}  // namespace

YamlReader::YamlReader(YAML::Node node, std::string prefix, ReadContext& context)
    : node_(std::move(node)), prefix_(std::move(prefix)), context_(context) {
  if (!node_.IsMap()) problem(node_, prefix_.empty() ? "<root>" : prefix_, "expected a mapping");
}

std::string YamlReader::locate(const YAML::Node& node, const std::string& key) const {
  for (const auto& overridden : context_.overridden_keys) {
    if (key == overridden || key.rfind(overridden + ".", 0) == 0 ||
        key.rfind(overridden + "[", 0) == 0 || overridden.rfind(key + ".", 0) == 0) {
      return "--set '" + key + "'";
    }
  }
  const YAML::Mark mark = node.Mark();
  std::string where = context_.source;
  if (!mark.is_null()) {
    where += ":" + std::to_string(mark.line + 1) + ":" + std::to_string(mark.column + 1);
  }
  return where + " '" + key + "'";
}

void YamlReader::problem(const YAML::Node& node, const std::string& key, const std::string& what) {
  context_.problems.push_back(locate(node, key) + ": " + what);
}

void YamlReader::invalid(const char* key, const std::string& what) {
  const YAML::Node child = node_.IsMap() ? node_[key] : YAML::Node();
  problem(child.IsDefined() ? child : node_, dotted(key), what);
}

void YamlReader::report_unknown_keys() {
  if (!node_.IsMap()) return;
  for (const auto& item : node_) {
    const auto name = item.first.as<std::string>();
    if (consumed_.count(name) == 0) problem(item.first, dotted(name.c_str()), "unknown key");
  }
}

void YamlReader::decode(const YAML::Node& node, const std::string& key, bool& out) {
  bool value = false;
  if (!node.IsScalar() || !YAML::convert<bool>::decode(node, value)) {
    problem(node, key, "expected true or false, got " + scalar_text(node));
    return;
  }
  out = value;
}

void YamlReader::decode(const YAML::Node& node, const std::string& key, int64_t& out) {
  long long value = 0;
  if (!node.IsScalar() || !YAML::convert<long long>::decode(node, value)) {
    problem(node, key, "expected an integer, got " + scalar_text(node));
    return;
  }
  out = value;
}

void YamlReader::decode(const YAML::Node& node, const std::string& key, int& out) {
  int64_t value = 0;
  const size_t before = context_.problems.size();
  decode(node, key, value);
  if (context_.problems.size() != before) return;
  if (value < std::numeric_limits<int>::min() || value > std::numeric_limits<int>::max()) {
    problem(node, key, "integer out of range");
    return;
  }
  out = static_cast<int>(value);
}

void YamlReader::decode(const YAML::Node& node, const std::string& key, double& out) {
  double value = 0.0;
  if (!node.IsScalar() || !YAML::convert<double>::decode(node, value) || std::isnan(value)) {
    problem(node, key, "expected a number, got " + scalar_text(node));
    return;
  }
  out = value;
}

void YamlReader::decode(const YAML::Node& node, const std::string& key, std::string& out) {
  if (!node.IsScalar()) {
    problem(node, key, "expected a string, got " + scalar_text(node));
    return;
  }
  out = node.Scalar();
}

void YamlReader::decode(const YAML::Node& node, const std::string& key,
                        std::filesystem::path& out) {
  std::string text;
  const size_t before = context_.problems.size();
  decode(node, key, text);
  if (context_.problems.size() != before) return;
  // An empty value and the word `none` (no file, e.g. `encoder.weights: none`) stay as written.
  if (text.empty() || text == "none") {
    out = text;
    return;
  }
  std::filesystem::path path(text);
  bool from_cli = false;
  for (const auto& overridden : context_.overridden_keys) from_cli |= (overridden == key);
  // Paths written in a file are relative to that file; paths given on the command line are
  // relative to the working directory. Resolved paths are absolute, so that a resolved config
  // saved into a run folder reads back the same from anywhere.
  if (path.is_relative() && !from_cli && !context_.base_dir.empty()) {
    path = context_.base_dir / path;
  }
  out = std::filesystem::absolute(path).lexically_normal();
}

}  // namespace protoseg::config
