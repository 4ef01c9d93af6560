#include "protoseg/dist/gradient_reducer.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <thread>

#include <gtest/gtest.h>
#include <torch/torch.h>

#include "dist/tiny_parallel_job.h"
#include "protoseg/core/threads.h"
#include "protoseg/dist/distributed_env.h"
#include "test_paths.h"

extern char** environ;

namespace protoseg::dist {
namespace {

namespace fs = std::filesystem;

struct Worker {
  pid_t pid = -1;
  fs::path log;
};

/// Starts one rank of tests/dist/dist_worker_main.cpp with torchrun-style variables.
Worker start_worker(int rank, int port, const std::vector<std::string>& args, const fs::path& dir) {
  const std::string program = std::string(PROTOSEG_BINARY_DIR) + "/tests/protoseg_dist_worker";
  std::vector<std::string> env_strings = {
      "RANK=" + std::to_string(rank), "WORLD_SIZE=2", "LOCAL_RANK=" + std::to_string(rank),
      "MASTER_ADDR=127.0.0.1", "MASTER_PORT=" + std::to_string(port)};
  for (char** e = environ; *e != nullptr; ++e) {
    const std::string entry = *e;
    if (entry.rfind("RANK=", 0) != 0 && entry.rfind("WORLD_SIZE=", 0) != 0 &&
        entry.rfind("MASTER_", 0) != 0 && entry.rfind("LOCAL_RANK=", 0) != 0) {
      env_strings.push_back(entry);
    }
  }
  std::vector<char*> envp;
  for (auto& s : env_strings) envp.push_back(s.data());
  envp.push_back(nullptr);
  std::vector<std::string> argv_strings = {program};
  argv_strings.insert(argv_strings.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& s : argv_strings) argv.push_back(s.data());
  argv.push_back(nullptr);

  Worker worker;
  worker.log = dir / ("rank" + std::to_string(rank) + ".log");
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 2, worker.log.c_str(), O_WRONLY | O_CREAT | O_TRUNC,
                                   0644);
  const int rc =
      posix_spawn(&worker.pid, program.c_str(), &actions, nullptr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  EXPECT_EQ(rc, 0) << "cannot start " << program;
  return worker;
}

/// Exit status of a worker, killing it after `limit` so that a hang fails the test.
int wait_worker(const Worker& worker, std::chrono::seconds limit) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  int status = 0;
  while (waitpid(worker.pid, &status, WNOHANG) == 0) {
    if (std::chrono::steady_clock::now() > deadline) {
      kill(worker.pid, SIGKILL);
      waitpid(worker.pid, &status, 0);
      return -1;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : -2;
}

int free_port() { return 20000 + static_cast<int>(getpid() % 20000); }

TEST(GradientReducerTest, TwoProcessesOverGlooMatchOneProcessSeeingBothBatches) {
  const fs::path dir = testing::fresh_temp_dir("dist_two_ranks");
  constexpr int kSteps = 6;
  const int port = free_port();
  const fs::path out = dir / "params.pt";
  const Worker rank0 = start_worker(0, port, {std::to_string(kSteps), out.string()}, dir);
  const Worker rank1 = start_worker(1, port, {std::to_string(kSteps), out.string()}, dir);
  ASSERT_EQ(wait_worker(rank0, std::chrono::seconds(120)), 0) << testing::read_text(rank0.log);
  ASSERT_EQ(wait_worker(rank1, std::chrono::seconds(120)), 0) << testing::read_text(rank1.log);
  std::vector<torch::Tensor> distributed;
  torch::load(distributed, out.string());

  // One process, rank 0's start, both ranks' batches each step with the mean of their
  // gradients; BatchNorm statistics follow rank 0's batch, as the workers broadcast them.
  torch::set_num_threads(1);
  torch::nn::Sequential model = testing::make_tiny_model(100);
  torch::optim::SGD optimizer(model->parameters(), torch::optim::SGDOptions(0.1).momentum(0.9));
  for (int step = 0; step < kSteps; ++step) {
    std::vector<torch::Tensor> buffers;
    for (const auto& b : model->buffers()) buffers.push_back(b.clone());
    optimizer.zero_grad();
    (testing::tiny_loss(model, testing::tiny_batch(step, 1)) / 2).backward();
    {
      torch::NoGradGuard no_grad;
      auto current = model->buffers();
      for (size_t i = 0; i < current.size(); ++i) current[i].copy_(buffers[i]);
    }
    (testing::tiny_loss(model, testing::tiny_batch(step, 0)) / 2).backward();
    optimizer.step();
  }
  core::configure_threads(0);
  const auto reference = model->parameters();
  ASSERT_EQ(reference.size(), distributed.size());
  for (size_t i = 0; i < reference.size(); ++i) {
    EXPECT_TRUE(torch::allclose(reference[i], distributed[i], 1e-5, 1e-6))
        << "parameter " << i << "\n"
        << reference[i] << "\n"
        << distributed[i];
  }
}

TEST(GradientReducerTest, DeadRankStopsTheOtherWithAClearError) {
  const fs::path dir = testing::fresh_temp_dir("dist_dead_rank");
  const int port = free_port() + 1;
  const auto start = std::chrono::steady_clock::now();
  const Worker rank0 = start_worker(0, port, {"50", (dir / "p.pt").string(), "3"}, dir);
  const Worker rank1 = start_worker(1, port, {"50", (dir / "p.pt").string(), "3"}, dir);
  EXPECT_EQ(wait_worker(rank1, std::chrono::seconds(60)), 3);
  EXPECT_EQ(wait_worker(rank0, std::chrono::seconds(60)), 1) << "rank 0 must fail, not hang";
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(45));
  const std::string log = testing::read_text(rank0.log);
  EXPECT_NE(log.find("rank 0 of 2"), std::string::npos) << log;
}

TEST(GradientReducerTest, SingleProcessLeavesGradientsAlone) {
  auto group = ProcessGroup::create(DistributedEnv{}, torch::kCPU, std::chrono::seconds(1));
  EXPECT_EQ(group->world_size(), 1);
  torch::nn::Sequential model = testing::make_tiny_model(1);
  GradientReducer reducer(group, model->parameters());
  testing::tiny_loss(model, testing::tiny_batch(0, 0)).backward();
  const torch::Tensor before = model->parameters()[0].grad().clone();
  reducer.finish();
  EXPECT_TRUE(torch::equal(before, model->parameters()[0].grad()));
}

TEST(DistributedEnvTest, ReadsTorchrunVariablesAndNamesBadOnes) {
  setenv("RANK", "1", 1);
  setenv("WORLD_SIZE", "4", 1);
  setenv("MASTER_PORT", "29511", 1);
  DistributedEnv env = DistributedEnv::from_environment();
  EXPECT_EQ(env.rank, 1);
  EXPECT_EQ(env.world_size, 4);
  EXPECT_EQ(env.local_rank, 1);
  EXPECT_EQ(env.master_port, 29511);
  EXPECT_TRUE(env.distributed());
  setenv("RANK", "4", 1);
  EXPECT_THROW(DistributedEnv::from_environment(), std::invalid_argument);
  setenv("RANK", "x", 1);
  EXPECT_THROW(DistributedEnv::from_environment(), std::invalid_argument);
  unsetenv("WORLD_SIZE");
  setenv("RANK", "0", 1);
  EXPECT_THROW(DistributedEnv::from_environment(), std::invalid_argument);
  unsetenv("RANK");
  unsetenv("MASTER_PORT");
  EXPECT_FALSE(DistributedEnv::from_environment().distributed());
}

}  // namespace
}  // namespace protoseg::dist
