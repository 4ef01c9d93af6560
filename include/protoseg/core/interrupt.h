#pragma once

#include <atomic>

namespace protoseg::core {

/// Installs SIGINT and SIGTERM handlers and returns the flag they raise: the first signal asks
/// a training loop to finish its step, write a checkpoint and return; a second one exits at
/// once with status 130.
const std::atomic<bool>& stop_on_interrupt();

}  // namespace protoseg::core
