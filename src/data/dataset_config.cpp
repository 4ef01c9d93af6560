#include "protoseg/data/dataset_config.h"

namespace protoseg::data {

std::string expand_pattern(std::string pattern, const std::string& name, const std::string& value) {
  const std::string token = "{" + name + "}";
  for (size_t at = pattern.find(token); at != std::string::npos; at = pattern.find(token, at)) {
    pattern.replace(at, token.size(), value);
    at += value.size();
  }
  return pattern;
}

}  // namespace protoseg::data
