#pragma once

#include <filesystem>
#include <string>

namespace protoseg::sweep {

/// Writes the pending jobs' shell commands, one per line, to <out>/<name>.jobs.txt (atomically)
/// and returns that path, for scripts/sweep.sh and scripts/prolearn_sweep.sh to run.
std::filesystem::path write_job_list(const std::filesystem::path& out, const std::string& name,
                                     const std::string& commands);

/// Writes a sweep's table as <dir>/<name>.md and .csv into `out` and, unless empty, `archive`.
void write_sweep_table(const std::filesystem::path& out, const std::filesystem::path& archive,
                       const std::string& name, const std::string& markdown,
                       const std::string& csv);

}  // namespace protoseg::sweep
