#include "protoseg/config/load_config.h"

#include <fstream>
#include <system_error>

#include "protoseg/io/atomic_file.h"

namespace protoseg::config {
namespace {

std::vector<std::string> split_dotted(const std::string& key) {
  std::vector<std::string> parts;
  size_t start = 0;
  while (true) {
    const size_t dot = key.find('.', start);
    parts.push_back(key.substr(start, dot - start));
    if (dot == std::string::npos) break;
    start = dot + 1;
  }
  return parts;
}

}  // namespace

YAML::Node load_yaml_file(const std::filesystem::path& file) {
  std::error_code error;
  if (!std::filesystem::is_regular_file(file, error)) {
    throw ConfigError({file.string() + ": config file not found"});
  }
  try {
    YAML::Node root = YAML::LoadFile(file.string());
    if (!root.IsDefined() || root.IsNull()) return YAML::Node(YAML::NodeType::Map);
    return root;
  } catch (const YAML::ParserException& e) {
    throw ConfigError({file.string() + ":" + std::to_string(e.mark.line + 1) + ":" +
                       std::to_string(e.mark.column + 1) + ": YAML syntax error: " + e.msg});
  } catch (const YAML::BadFile&) {
    throw ConfigError({file.string() + ": cannot read config file"});
  }
}

void apply_overrides(YAML::Node& root, const std::vector<std::string>& overrides,
                     ReadContext& context) {
  for (const auto& text : overrides) {
    const size_t equals = text.find('=');
    if (equals == std::string::npos || equals == 0) {
      context.problems.push_back("--set '" + text + "': expected key=value");
      continue;
    }
    const std::string key = text.substr(0, equals);
    const std::string value_text = text.substr(equals + 1);
    YAML::Node value;
    try {
      value = YAML::Load(value_text);
    } catch (const YAML::ParserException& e) {
      context.problems.push_back("--set '" + key + "': cannot parse value '" + value_text +
                                 "': " + e.msg);
      continue;
    }
    if (!root.IsMap()) root = YAML::Node(YAML::NodeType::Map);
    // Walk down with fresh handles: yaml-cpp's operator= on a Node rebinds the node itself.
    std::vector<YAML::Node> path{root};
    const auto parts = split_dotted(key);
    bool ok = true;
    for (size_t i = 0; i + 1 < parts.size(); ++i) {
      YAML::Node child = path.back()[parts[i]];
      if (!child.IsDefined() || child.IsNull()) {
        path.back()[parts[i]] = YAML::Node(YAML::NodeType::Map);
        child = path.back()[parts[i]];
      } else if (!child.IsMap()) {
        context.problems.push_back("--set '" + key + "': '" + parts[i] + "' is not a mapping");
        ok = false;
        break;
      }
      path.push_back(child);
    }
    if (!ok) continue;
    path.back()[parts.back()] = value;
    context.overridden_keys.insert(key);
  }
}

void write_text_atomically(const std::filesystem::path& file, const std::string& text) {
  io::write_file_atomically(file, text);
}

}  // namespace protoseg::config
