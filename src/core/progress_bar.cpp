#include "protoseg/core/progress_bar.h"

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <iostream>
#include <sstream>

namespace protoseg::core {
namespace {

bool is_terminal(const std::ostream& out) {
  if (&out == &std::cerr) return isatty(fileno(stderr)) != 0;
  if (&out == &std::cout) return isatty(fileno(stdout)) != 0;
  return false;
}

}  // namespace

ProgressBar::ProgressBar(std::string label, int64_t total, std::ostream& out, double min_interval_s)
    : label_(std::move(label)),
      total_(std::max<int64_t>(total, 0)),
      out_(out),
      interactive_(is_terminal(out)),
      min_interval_s_(min_interval_s),
      start_(std::chrono::steady_clock::now()),
      last_draw_(start_) {}

std::string ProgressBar::format_duration(double seconds) {
  const auto s = static_cast<int64_t>(seconds + 0.5);
  char buffer[32];
  if (s < 60) {
    std::snprintf(buffer, sizeof(buffer), "%llds", static_cast<long long>(s));
  } else if (s < 3600) {
    std::snprintf(buffer, sizeof(buffer), "%lldm%02llds", static_cast<long long>(s / 60),
                  static_cast<long long>(s % 60));
  } else {
    std::snprintf(buffer, sizeof(buffer), "%lldh%02lldm", static_cast<long long>(s / 3600),
                  static_cast<long long>((s % 3600) / 60));
  }
  return buffer;
}

void ProgressBar::update(int64_t done, const std::string& status) {
  done_ = std::clamp<int64_t>(done, 0, total_);
  const auto now = std::chrono::steady_clock::now();
  const double since_draw = std::chrono::duration<double>(now - last_draw_).count();
  if (interactive_ || !drawn_ || since_draw >= min_interval_s_) draw(status, false);
}

void ProgressBar::skip_to(int64_t done, const std::string& status) {
  const int64_t target = std::clamp<int64_t>(done, 0, total_);
  skipped_ += std::max<int64_t>(target - done_, 0);
  update(target, status);
}

void ProgressBar::finish(const std::string& status) {
  done_ = total_;
  draw(status, true);
}

void ProgressBar::stop(const std::string& status) { draw(status, true); }

void ProgressBar::draw(const std::string& status, bool final) {
  constexpr int kWidth = 24;
  const auto now = std::chrono::steady_clock::now();
  last_draw_ = now;
  drawn_ = true;
  const double elapsed = std::chrono::duration<double>(now - start_).count();
  const double fraction = total_ > 0 ? static_cast<double>(done_) / total_ : 1.0;
  const int filled = static_cast<int>(fraction * kWidth);

  std::ostringstream line;
  line << label_ << " [" << std::string(filled, '#') << std::string(kWidth - filled, '.') << "] "
       << done_ << "/" << total_ << " " << static_cast<int>(fraction * 100.0) << "%";
  const int64_t worked = done_ - skipped_;
  if (worked > 0) {
    const double per_item = elapsed / static_cast<double>(worked);
    char rate[32];
    std::snprintf(rate, sizeof(rate), " %.2f s/it", per_item);
    line << rate;
    if (!final) line << " ETA " << format_duration(per_item * static_cast<double>(total_ - done_));
  }
  if (final) line << " total " << format_duration(elapsed);
  if (!status.empty()) line << " | " << status;

  if (interactive_) {
    out_ << "\r\033[K" << line.str();
    if (final) out_ << "\n";
  } else {
    out_ << line.str() << "\n";
  }
  out_.flush();
}

}  // namespace protoseg::core
