#include "protoseg/core/interrupt.h"

#include <csignal>
#include <cstdlib>

namespace protoseg::core {
namespace {

std::atomic<bool> stop_requested{false};

extern "C" void on_interrupt(int) {
  if (stop_requested.exchange(true)) std::_Exit(130);
}

}  // namespace

const std::atomic<bool>& stop_on_interrupt() {
  std::signal(SIGINT, on_interrupt);
  std::signal(SIGTERM, on_interrupt);
  return stop_requested;
}

}  // namespace protoseg::core
