// One rank of the two-process data-parallel check in tests/dist/gradient_reducer_test.cpp:
//   RANK=r WORLD_SIZE=2 MASTER_PORT=p protoseg_dist_worker STEPS OUT.pt [DIE_AT_STEP]
// Each rank starts from its own random weights (rank 0's are broadcast), trains on its own
// batches with averaged gradients, and rank 0 writes the final parameters to OUT.pt. With
// DIE_AT_STEP, rank 1 exits abruptly at that step (the failure test).
#include <cstdio>
#include <cstdlib>
#include <iostream>

#include <torch/torch.h>

#include "dist/tiny_parallel_job.h"
#include "protoseg/dist/gradient_reducer.h"
#include "protoseg/dist/process_group.h"

using namespace protoseg;

int main(int argc, char** argv) {
  if (argc < 3) {
    std::cerr << "usage: protoseg_dist_worker STEPS OUT.pt [DIE_AT_STEP]\n";
    return 2;
  }
  const int steps = std::atoi(argv[1]);
  const int die_at = argc > 3 ? std::atoi(argv[3]) : -1;
  try {
    torch::set_num_threads(1);
    const dist::DistributedEnv env = dist::DistributedEnv::from_environment();
    auto group = dist::ProcessGroup::create(env, torch::kCPU, std::chrono::milliseconds(5000));
    torch::nn::Sequential model = testing::make_tiny_model(100 + env.rank);
    group->broadcast_module(*model);
    torch::optim::SGD optimizer(model->parameters(), torch::optim::SGDOptions(0.1).momentum(0.9));
    dist::GradientReducer reducer(group, model->parameters(), /*bucket_bytes=*/64);
    for (int step = 0; step < steps; ++step) {
      if (env.rank == 1 && step == die_at) std::_Exit(3);
      group->broadcast_module(*model, /*buffers_only=*/true);  // BatchNorm statistics of rank 0
      optimizer.zero_grad();
      testing::tiny_loss(model, testing::tiny_batch(step, env.rank)).backward();
      reducer.finish();
      optimizer.step();
    }
    if (env.rank == 0) {
      std::vector<torch::Tensor> parameters;
      for (const auto& p : model->parameters()) parameters.push_back(p.detach().clone());
      torch::save(parameters, argv[2]);
    }
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "protoseg_dist_worker: " << e.what() << "\n";
    return 1;
  }
}
