#include "protoseg/config/config_error.h"

namespace protoseg::config {
namespace {

std::string join(const std::vector<std::string>& lines) {
  std::string text = lines.size() == 1 ? "" : std::to_string(lines.size()) + " config errors:\n";
  for (size_t i = 0; i < lines.size(); ++i) {
    text += (i == 0 ? "" : "\n") + lines[i];
  }
  return text;
}

}  // namespace

ConfigError::ConfigError(std::vector<std::string> problems)
    : std::runtime_error(join(problems)), problems_(std::move(problems)) {}

}  // namespace protoseg::config
