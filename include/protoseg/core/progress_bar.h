#pragma once

#include <chrono>
#include <cstdint>
#include <ostream>
#include <string>

namespace protoseg::core {

/// A terminal progress bar with rate and ETA, e.g.
/// `supervoxels [#######.....] 7/20 35% 0.41 s/it ETA 5s | image_13`.
/// Redraws in place on a terminal; on a pipe or file it prints one line per update at most
/// every `min_interval_s` seconds, so logs stay readable.
class ProgressBar {
 public:
  ProgressBar(std::string label, int64_t total, std::ostream& out, double min_interval_s = 5.0);

  /// Marks `done` items as finished and shows `status` after the bar.
  void update(int64_t done, const std::string& status = {});
  /// Marks items up to `done` as finished without work in this run (resumed from a checkpoint,
  /// or skipped because their output exists): they count towards the bar but not the rate,
  /// so the ETA reflects the work actually being done.
  void skip_to(int64_t done, const std::string& status = {});
  /// Draws the final state (all items done) and ends the line.
  void finish(const std::string& status = {});
  /// Draws the current state as final (a run stopped early) and ends the line.
  void stop(const std::string& status = {});

  /// Formats seconds as e.g. "42s", "3m07s", "2h05m".
  static std::string format_duration(double seconds);

 private:
  void draw(const std::string& status, bool final);

  std::string label_;
  int64_t total_;
  int64_t done_ = 0;
  int64_t skipped_ = 0;
  std::ostream& out_;
  bool interactive_;
  double min_interval_s_;
  std::chrono::steady_clock::time_point start_;
  std::chrono::steady_clock::time_point last_draw_;
  bool drawn_ = false;
};

}  // namespace protoseg::core
