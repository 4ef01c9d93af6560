#pragma once

#include <stdexcept>
#include <string>
#include <vector>

namespace protoseg::config {

/// Every problem found while reading one configuration, each formatted as
/// `file:line:col 'dotted.key': what`. what() lists them all, one per line.
class ConfigError : public std::runtime_error {
 public:
  explicit ConfigError(std::vector<std::string> problems);
  const std::vector<std::string>& problems() const { return problems_; }

 private:
  std::vector<std::string> problems_;
};

}  // namespace protoseg::config
