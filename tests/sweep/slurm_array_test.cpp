#include "protoseg/sweep/slurm_array.h"

#include <filesystem>
#include <string>

#include <gtest/gtest.h>

#include "test_paths.h"

namespace protoseg::sweep {
namespace {

SlurmArray three_tasks(const std::filesystem::path& out) {
  return {"t1",
          out,
          3,
          out / "t1.jobs.txt",
          "scripts/sweep.sh --slurm",
          "export PROTOSEG_WEIGHTS=/w.pth\n"};
}

TEST(SlurmArrayTest, ArrayJobRunsOneListedCommandPerTask) {
  const std::string script = slurm_array_script(three_tasks("/runs/t1"));
  EXPECT_NE(script.find("#SBATCH --array=1-3\n"), std::string::npos) << script;
  EXPECT_NE(script.find("#SBATCH --output=/runs/t1/slurm/%A_%a.out\n"), std::string::npos)
      << script;
  EXPECT_NE(script.find("sed -n \"${SLURM_ARRAY_TASK_ID}p\" '/runs/t1/t1.jobs.txt'"),
            std::string::npos)
      << script;
  EXPECT_NE(script.find("(written by scripts/sweep.sh --slurm)"), std::string::npos) << script;
}

TEST(SlurmArrayTest, PreambleRunsBeforeTheTasksCommand) {
  const std::string script = slurm_array_script(three_tasks("/runs/t1"));
  const auto preamble = script.find("export PROTOSEG_WEIGHTS=/w.pth\n");
  ASSERT_NE(preamble, std::string::npos) << script;
  EXPECT_LT(script.find("set -euo pipefail\n"), preamble);
  EXPECT_LT(preamble, script.find("command=$(sed"));
}

TEST(SlurmArrayTest, WritesTheScriptAndTheLogFolder) {
  const auto out = testing::fresh_temp_dir("slurm_array") / "sweep";
  const auto script = write_slurm_array(three_tasks(out));
  EXPECT_EQ(script, out / "t1.sbatch");
  EXPECT_TRUE(std::filesystem::is_directory(out / "slurm"));
  EXPECT_EQ(testing::read_text(script), slurm_array_script(three_tasks(out)));
}

}  // namespace
}  // namespace protoseg::sweep
