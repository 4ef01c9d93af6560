#include "protoseg/sweep/sweep_output.h"

#include "protoseg/config/load_config.h"

namespace protoseg::sweep {
namespace fs = std::filesystem;

fs::path write_job_list(const fs::path& out, const std::string& name, const std::string& commands) {
  fs::create_directories(out);
  const fs::path job_list = out / (name + ".jobs.txt");
  config::write_text_atomically(job_list, commands);
  return job_list;
}

void write_sweep_table(const fs::path& out, const fs::path& archive, const std::string& name,
                       const std::string& markdown, const std::string& csv) {
  for (const fs::path& dir : {out, archive}) {
    if (dir.empty()) continue;
    fs::create_directories(dir);
    config::write_text_atomically(dir / (name + ".md"), markdown);
    config::write_text_atomically(dir / (name + ".csv"), csv);
  }
}

}  // namespace protoseg::sweep
