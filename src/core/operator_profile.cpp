#include "protoseg/core/operator_profile.h"

#include <ATen/record_function.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <map>
#include <memory>
#include <mutex>
#include <stdexcept>

namespace protoseg::core {
namespace {

using Clock = std::chrono::steady_clock;

std::mutex table_mutex;
std::map<std::string, OperatorProfile::Row> table;
std::atomic<bool> profile_alive{false};
thread_local int depth = 0;  // operators open in this thread

struct Started : at::ObserverContext {
  Clock::time_point start;
  bool outermost = false;
};

std::unique_ptr<at::ObserverContext> on_start(const at::RecordFunction&) {
  auto started = std::make_unique<Started>();
  started->outermost = depth++ == 0;
  if (started->outermost) started->start = Clock::now();
  return started;
}

void on_end(const at::RecordFunction& fn, at::ObserverContext* context) {
  --depth;
  auto* started = static_cast<Started*>(context);
  if (started == nullptr || !started->outermost) return;
  const double seconds = std::chrono::duration<double>(Clock::now() - started->start).count();
  std::string name = fn.name();
  const std::string engine_prefix = "autograd::engine::evaluate_function: ";
  if (name.rfind(engine_prefix, 0) == 0) name = name.substr(engine_prefix.size());
  const std::lock_guard<std::mutex> lock(table_mutex);
  OperatorProfile::Row& row = table[name];
  row.name = name;
  row.calls += 1;
  row.seconds += seconds;
}

}  // namespace

OperatorProfile::OperatorProfile() {
  if (profile_alive.exchange(true)) throw std::logic_error("only one OperatorProfile at a time");
  {
    const std::lock_guard<std::mutex> lock(table_mutex);
    table.clear();
  }
  handle_ = at::addGlobalCallback(at::RecordFunctionCallback(on_start, on_end));
}

OperatorProfile::~OperatorProfile() {
  at::removeCallback(handle_);
  profile_alive = false;
}

std::vector<OperatorProfile::Row> OperatorProfile::rows() const {
  std::vector<Row> rows;
  {
    const std::lock_guard<std::mutex> lock(table_mutex);
    for (const auto& [name, row] : table) rows.push_back(row);
  }
  std::sort(rows.begin(), rows.end(),
            [](const Row& a, const Row& b) { return a.seconds > b.seconds; });
  return rows;
}

std::string OperatorProfile::markdown(int steps, double seconds, size_t max_rows) const {
  std::string text =
      "| operator | calls per step | ms per step | share |\n| --- | ---: | ---: | ---: |\n";
  const std::vector<Row> sorted = rows();
  for (size_t i = 0; i < std::min(max_rows, sorted.size()); ++i) {
    const Row& row = sorted[i];
    char line[512];
    std::snprintf(line, sizeof line, "| %s | %.1f | %.1f | %.1f %% |\n", row.name.c_str(),
                  static_cast<double>(row.calls) / steps, 1e3 * row.seconds / steps,
                  100.0 * row.seconds / seconds);
    text += line;
  }
  return text;
}

}  // namespace protoseg::core
