#include "protoseg/core/logging.h"

#include <memory>
#include <stdexcept>
#include <vector>

#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

namespace protoseg::core {

void setup_logging(const std::string& level, const std::filesystem::path& log_file) {
  const auto parsed = spdlog::level::from_str(level);
  if (parsed == spdlog::level::off && level != "off") {
    throw std::invalid_argument("log level '" + level +
                                "': expected trace, debug, info, warn, error or off");
  }
  std::vector<spdlog::sink_ptr> sinks{std::make_shared<spdlog::sinks::stderr_color_sink_mt>()};
  if (!log_file.empty()) {
    if (log_file.has_parent_path()) std::filesystem::create_directories(log_file.parent_path());
    sinks.push_back(std::make_shared<spdlog::sinks::basic_file_sink_mt>(log_file.string()));
  }
  auto logger = std::make_shared<spdlog::logger>("protoseg", sinks.begin(), sinks.end());
  logger->set_level(parsed);
  logger->set_pattern("[%H:%M:%S] [%^%l%$] %v");
  // Every line reaches the file at once: a long run's log can be followed while it runs, and
  // a killed run keeps its last lines.
  logger->flush_on(spdlog::level::trace);
  spdlog::set_default_logger(logger);
}

}  // namespace protoseg::core
