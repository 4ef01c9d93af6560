#include "protoseg/sweep/slurm_array.h"

#include <cstdio>

#include "protoseg/config/load_config.h"
#include "protoseg/sweep/sweep_plan.h"

namespace protoseg::sweep {
namespace fs = std::filesystem;

std::string slurm_array_script(const SlurmArray& array) {
  const fs::path logs = array.out / "slurm";
  return "#!/bin/bash\n"
         "# Sweep '" +
         array.name + "': " + std::to_string(array.tasks) +
         " unfinished jobs, one array task each (written by " + array.written_by +
         ").\n"
         "# Adjust the resources to your cluster; every task is resumable and skips finished "
         "work.\n"
         "#SBATCH --job-name=" +
         array.name + "\n#SBATCH --array=1-" + std::to_string(array.tasks) +
         "\n"
         "#SBATCH --cpus-per-task=8\n"
         "#SBATCH --gres=gpu:1\n"
         "#SBATCH --time=24:00:00\n"
         "#SBATCH --output=" +
         (logs / "%A_%a.out").string() +
         "\n"
         "set -euo pipefail\n" +
         array.preamble + "command=$(sed -n \"${SLURM_ARRAY_TASK_ID}p\" " +
         shell_quote(array.job_list.string()) +
         ")\n"
         "echo \"task ${SLURM_ARRAY_TASK_ID}: ${command}\"\n"
         "eval \"${command}\"\n";
}

fs::path write_slurm_array(const SlurmArray& array) {
  fs::create_directories(array.out / "slurm");
  const fs::path script = array.out / (array.name + ".sbatch");
  config::write_text_atomically(script, slurm_array_script(array));
  return script;
}

void write_and_announce_slurm_array(const SlurmArray& array) {
  if (array.tasks == 0) {
    std::fprintf(stderr, "nothing to submit\n");
    return;
  }
  std::fprintf(stderr, "submit with: sbatch %s\n", write_slurm_array(array).string().c_str());
}

}  // namespace protoseg::sweep
