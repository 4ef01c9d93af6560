#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "protoseg/config/config_error.h"
#include "protoseg/config/yaml_reader.h"
#include "protoseg/config/yaml_writer.h"

namespace protoseg::config {

/// Parses a YAML file. Throws ConfigError naming the file for a missing file or bad syntax
/// (with line and column).
YAML::Node load_yaml_file(const std::filesystem::path& file);

/// Applies `dotted.key=value` overrides to `root`; values are parsed as YAML scalars or flow
/// collections (`--set folds=[[0,1],[2,3]]`). Malformed overrides are recorded in `context`.
void apply_overrides(YAML::Node& root, const std::vector<std::string>& overrides,
                     ReadContext& context);

/// Reads `T` from a YAML node strictly (see YamlReader); `source` and `base_dir` set the
/// message prefix and the folder that relative paths resolve against. Throws ConfigError with
/// every problem found.
template <class T>
T read_config(const YAML::Node& root, ReadContext context) {
  T value{};
  YamlReader reader(root, "", context);
  value.visit(reader);
  reader.report_unknown_keys();
  if constexpr (detail::HasValidate<T>::value) {
    if (context.problems.empty()) value.validate(reader);
  }
  if (!context.problems.empty()) throw ConfigError(context.problems);
  return value;
}

/// Loads `T` from `file` with `overrides` applied, validating the result as a whole.
template <class T>
T load_config(const std::filesystem::path& file, const std::vector<std::string>& overrides = {}) {
  ReadContext context;
  context.source = file.string();
  context.base_dir = file.parent_path();
  YAML::Node root = load_yaml_file(file);
  apply_overrides(root, overrides, context);
  if (!context.problems.empty()) throw ConfigError(context.problems);
  return read_config<T>(root, std::move(context));
}

/// The YAML text of a config struct.
template <class T>
std::string to_yaml(const T& value) {
  YAML::Emitter out;
  YamlWriter writer(out);
  writer.encode(value);
  return std::string(out.c_str()) + "\n";
}

/// Writes `text` to `file` atomically (temporary file in the same folder, then rename).
void write_text_atomically(const std::filesystem::path& file, const std::string& text);

/// Saves the resolved config next to a run's outputs.
template <class T>
void save_config(const T& value, const std::filesystem::path& file) {
  write_text_atomically(file, to_yaml(value));
}

}  // namespace protoseg::config
