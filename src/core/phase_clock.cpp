#include "protoseg/core/phase_clock.h"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>
#include <torch/cuda.h>

namespace protoseg::core {

PhaseClock::PhaseClock(c10::Device device)
    : device_(device), last_(std::chrono::steady_clock::now()) {}

void PhaseClock::wait_for_device() const {
  if (device_.is_cuda()) torch::cuda::synchronize(device_.has_index() ? device_.index() : -1);
}

void PhaseClock::lap(const std::string& phase) {
  wait_for_device();
  const auto now = std::chrono::steady_clock::now();
  const double seconds = std::chrono::duration<double>(now - last_).count();
  last_ = now;
  const auto found = std::find_if(totals_.begin(), totals_.end(),
                                  [&](const auto& total) { return total.first == phase; });
  if (found == totals_.end()) {
    totals_.emplace_back(phase, seconds);
  } else {
    found->second += seconds;
  }
}

void PhaseClock::restart() {
  wait_for_device();
  last_ = std::chrono::steady_clock::now();
}

void PhaseClock::clear() {
  totals_.clear();
  restart();
}

std::string PhaseClock::summary() const {
  double sum = 0;
  for (const auto& total : totals_) sum += total.second;
  std::string text;
  for (const auto& [phase, seconds] : totals_) {
    if (!text.empty()) text += ", ";
    const double share = sum > 0 ? 100.0 * seconds / sum : 0.0;
    text += fmt::format("{} {:.1f} s ({:.0f} %)", phase, seconds, std::round(share));
  }
  return text;
}

}  // namespace protoseg::core
