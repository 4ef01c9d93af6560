#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include <yaml-cpp/yaml.h>

namespace protoseg::config {

/// Shared state of one strict read: the source file, the folder that relative paths resolve
/// against, the keys that came from command-line overrides, and every problem found so far.
struct ReadContext {
  std::string source;                     ///< file name shown in messages
  std::filesystem::path base_dir;         ///< relative paths in the file resolve against this
  std::set<std::string> overridden_keys;  ///< dotted keys set by `--set key=value`
  std::vector<std::string> problems;      ///< `file:line:col 'key': what`, in reading order
};

/// Reads one YAML mapping into a config struct strictly. Config structs describe their fields
/// once, in `template <class V> void visit(V& v)`, calling `v.required("key", field)` or
/// `v.optional("key", field)`; the same method drives reading and writing.
/// Every problem is recorded (unknown keys, missing keys, wrong types) instead of thrown, so
/// load_config() can report them all at once.
class YamlReader;

namespace detail {
template <class T, class = void>
struct HasValidate : std::false_type {};
template <class T>
struct HasValidate<
    T, std::void_t<decltype(std::declval<const T&>().validate(std::declval<YamlReader&>()))>>
    : std::true_type {};
}  // namespace detail

class YamlReader {
 public:
  YamlReader(YAML::Node node, std::string prefix, ReadContext& context);

  template <class T>
  void required(const char* key, T& value) {
    field(key, value, true);
  }
  template <class T>
  void optional(const char* key, T& value) {
    field(key, value, false);
  }
  /// Records a semantic problem (e.g. a value out of range) against `key`.
  void invalid(const char* key, const std::string& what);
  /// Records every key of the mapping that no visit() call consumed.
  void report_unknown_keys();

  // Decoders, public so nested containers can recurse.
  void decode(const YAML::Node& node, const std::string& key, bool& out);
  void decode(const YAML::Node& node, const std::string& key, int& out);
  void decode(const YAML::Node& node, const std::string& key, int64_t& out);
  void decode(const YAML::Node& node, const std::string& key, double& out);
  void decode(const YAML::Node& node, const std::string& key, std::string& out);
  /// Paths: relative ones resolve against the file's folder (or, from --set, the working
  /// directory) and come out absolute; an empty value and the word `none` stay as written.
  void decode(const YAML::Node& node, const std::string& key, std::filesystem::path& out);
  template <class T>
  void decode(const YAML::Node& node, const std::string& key, std::vector<T>& out);
  template <class T>
  void decode(const YAML::Node& node, const std::string& key, std::map<std::string, T>& out);
  template <class T>
  void decode(const YAML::Node& node, const std::string& key, std::optional<T>& out);
  template <class T, class = decltype(std::declval<T&>().visit(std::declval<YamlReader&>()))>
  void decode(const YAML::Node& node, const std::string& key, T& out);

  /// Problems recorded so far in this read.
  size_t problem_count() const { return context_.problems.size(); }
  /// `file:line:col 'key': what`, or `--set key: what` for an overridden key.
  std::string locate(const YAML::Node& node, const std::string& key) const;
  void problem(const YAML::Node& node, const std::string& key, const std::string& what);

 private:
  template <class T>
  void field(const char* key, T& value, bool is_required);
  std::string dotted(const char* key) const { return prefix_.empty() ? key : prefix_ + "." + key; }

  YAML::Node node_;
  std::string prefix_;
  ReadContext& context_;
  std::set<std::string> consumed_;
};

template <class T>
void YamlReader::field(const char* key, T& value, bool is_required) {
  consumed_.insert(key);
  if (!node_.IsMap()) return;  // already reported by the caller
  const YAML::Node child = node_[key];
  if (!child.IsDefined() || child.IsNull()) {
    if (is_required) problem(node_, dotted(key), "required key is missing");
    return;
  }
  decode(child, dotted(key), value);
}

template <class T>
void YamlReader::decode(const YAML::Node& node, const std::string& key, std::vector<T>& out) {
  if (!node.IsSequence()) {
    problem(node, key, "expected a list");
    return;
  }
  out.clear();
  for (size_t i = 0; i < node.size(); ++i) {
    T item{};
    decode(node[i], key + "[" + std::to_string(i) + "]", item);
    out.push_back(std::move(item));
  }
}

template <class T>
void YamlReader::decode(const YAML::Node& node, const std::string& key,
                        std::map<std::string, T>& out) {
  if (!node.IsMap()) {
    problem(node, key, "expected a mapping");
    return;
  }
  out.clear();
  for (const auto& item : node) {
    const auto name = item.first.as<std::string>();
    T value{};
    decode(item.second, key + "." + name, value);
    out.emplace(name, std::move(value));
  }
}

template <class T>
void YamlReader::decode(const YAML::Node& node, const std::string& key, std::optional<T>& out) {
  T value{};
  decode(node, key, value);
  out = std::move(value);
}

template <class T, class>
void YamlReader::decode(const YAML::Node& node, const std::string& key, T& out) {
  if (!node.IsMap()) {
    problem(node, key, "expected a mapping");
    return;
  }
  const size_t before = context_.problems.size();
  YamlReader nested(node, key, context_);
  out.visit(nested);
  nested.report_unknown_keys();
  // Semantic checks only make sense once every field has the right type.
  if constexpr (detail::HasValidate<T>::value) {
    if (context_.problems.size() == before) out.validate(nested);
  }
}

}  // namespace protoseg::config
