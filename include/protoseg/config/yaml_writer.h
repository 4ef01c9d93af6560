#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <yaml-cpp/yaml.h>

namespace protoseg::config {

/// Writes a config struct through its `visit` method, the mirror of YamlReader.
class YamlWriter {
 public:
  explicit YamlWriter(YAML::Emitter& out) : out_(out) {}

  template <class T>
  void required(const char* key, const T& value) {
    out_ << YAML::Key << key << YAML::Value;
    encode(value);
  }
  template <class T>
  void optional(const char* key, const T& value) {
    required(key, value);
  }
  template <class T>
  void optional(const char* key, const std::optional<T>& value) {
    if (value) required(key, *value);
  }
  void invalid(const char*, const std::string&) {}

  void encode(bool value) { out_ << value; }
  void encode(int value) { out_ << value; }
  void encode(int64_t value) { out_ << static_cast<long long>(value); }
  void encode(double value) { out_ << value; }
  void encode(const std::string& value) { out_ << value; }
  void encode(const std::filesystem::path& value) { out_ << value.string(); }
  template <class T>
  void encode(const std::vector<T>& values) {
    out_ << YAML::Flow << YAML::BeginSeq;
    for (const auto& value : values) encode(value);
    out_ << YAML::EndSeq;
  }
  template <class T>
  void encode(const std::map<std::string, T>& values) {
    out_ << YAML::BeginMap;
    for (const auto& [key, value] : values) required(key.c_str(), value);
    out_ << YAML::EndMap;
  }
  template <class T, class = decltype(std::declval<T&>().visit(std::declval<YamlWriter&>()))>
  void encode(const T& value) {
    out_ << YAML::BeginMap;
    const_cast<T&>(value).visit(*this);
    out_ << YAML::EndMap;
  }

 private:
  YAML::Emitter& out_;
};

}  // namespace protoseg::config
