#pragma once

#include <chrono>
#include <string>
#include <utility>
#include <vector>

#include <c10/core/Device.h>

namespace protoseg::core {

/// Wall time of a loop split into named phases, e.g. a training step's data, forward, backward
/// and update: `lap("forward")` charges the time since the previous lap (or `restart`) to
/// "forward". Phases keep the order they were first lapped in. On a CUDA device each lap first
/// waits for the queued kernels, so a phase holds the work it launched, not just the launches.
class PhaseClock {
 public:
  explicit PhaseClock(c10::Device device = c10::Device(c10::kCPU));

  /// Charges the time since the previous lap to `phase`.
  void lap(const std::string& phase);
  /// Starts the next lap now, charging the time since the previous one to no phase.
  void restart();
  /// Forgets every phase's total and restarts.
  void clear();

  /// Seconds per phase, in first-lapped order.
  const std::vector<std::pair<std::string, double>>& totals() const { return totals_; }
  /// The totals on one line, e.g. "data 3.1 s (1 %), forward 150.2 s (37 %), ...", each share
  /// of the phases' sum.
  std::string summary() const;

 private:
  void wait_for_device() const;

  c10::Device device_;
  std::chrono::steady_clock::time_point last_;
  std::vector<std::pair<std::string, double>> totals_;
};

}  // namespace protoseg::core
