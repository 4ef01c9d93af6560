#pragma once

#include <filesystem>
#include <string>

namespace protoseg::core {

/// Configures spdlog's default logger: console on stderr, plus `log_file` when not empty
/// (appended to, each line written through as it is logged).
/// `level` is one of trace, debug, info, warn, error, off; throws std::invalid_argument otherwise.
void setup_logging(const std::string& level = "info", const std::filesystem::path& log_file = {});

}  // namespace protoseg::core
