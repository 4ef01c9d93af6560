#pragma once

#include <cstddef>
#include <filesystem>
#include <string>

namespace protoseg::sweep {

/// A sweep's unfinished jobs as one Slurm array job: task i runs line i of `job_list`.
struct SlurmArray {
  std::string name;                ///< the sweep's name, also the Slurm job name
  std::filesystem::path out;       ///< the sweep's output folder; task logs go to <out>/slurm
  std::size_t tasks = 0;           ///< lines of the job list
  std::filesystem::path job_list;  ///< <out>/<name>.jobs.txt
  std::string written_by;          ///< the command that writes the script, named in its header
  std::string preamble;            ///< shell lines run before each task's command
};

/// The sbatch script (one GPU, 8 cores and 24 h per task, to adjust to the cluster).
std::string slurm_array_script(const SlurmArray& array);

/// Writes the script atomically as <out>/<name>.sbatch, creates <out>/slurm for the task logs,
/// and returns the script's path.
std::filesystem::path write_slurm_array(const SlurmArray& array);

/// What `--slurm` does in the sweep CLIs: writes the script when there are tasks and tells
/// stderr how to submit it, or says that nothing is left to submit.
void write_and_announce_slurm_array(const SlurmArray& array);

}  // namespace protoseg::sweep
