#include "protoseg/dist/process_group.h"

#include <cstdlib>
#include <stdexcept>
#include <string>

#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>
// c10d::Work: declared here in LibTorch 1.13 and 2.x alike (2.x no longer includes it from the
// process group headers).
#include <torch/csrc/distributed/c10d/Work.hpp>
#ifdef USE_C10D_NCCL
#include <torch/csrc/distributed/c10d/ProcessGroupNCCL.hpp>
#endif
#include <torch/torch.h>

namespace protoseg::dist {
namespace {

class NoPending : public PendingCollective {
 public:
  void wait() override {}
};

/// One process: every collective is the identity.
class SingleProcess : public ProcessGroup {
 public:
  int rank() const override { return 0; }
  int world_size() const override { return 1; }
  std::unique_ptr<PendingCollective> all_reduce_sum_async(at::Tensor&) override {
    return std::make_unique<NoPending>();
  }
  void broadcast(std::vector<at::Tensor>&, int) override {}
  void barrier() override {}
};

std::string who(int rank, int world) {
  return "rank " + std::to_string(rank) + " of " + std::to_string(world);
}

class C10dPending : public PendingCollective {
 public:
  C10dPending(c10::intrusive_ptr<c10d::Work> work, std::string context)
      : work_(std::move(work)), context_(std::move(context)) {}
  void wait() override {
    try {
      work_->wait();
    } catch (const std::exception& e) {
      throw std::runtime_error(context_ +
                               ": collective failed (has another rank stopped?): " + e.what());
    }
  }

 private:
  c10::intrusive_ptr<c10d::Work> work_;
  std::string context_;
};

/// A c10d process group (Gloo or NCCL).
class C10dGroup : public ProcessGroup {
 public:
  C10dGroup(c10::intrusive_ptr<c10d::ProcessGroup> group, int rank, int world)
      : group_(std::move(group)), rank_(rank), world_(world) {}
  int rank() const override { return rank_; }
  int world_size() const override { return world_; }
  std::unique_ptr<PendingCollective> all_reduce_sum_async(at::Tensor& tensor) override {
    std::vector<at::Tensor> tensors = {tensor};
    return std::make_unique<C10dPending>(group_->allreduce(tensors), who(rank_, world_));
  }
  void broadcast(std::vector<at::Tensor>& tensors, int root) override {
    c10d::BroadcastOptions options;
    options.rootRank = root;
    for (at::Tensor& tensor : tensors) {  // one collective per tensor, in the same order everywhere
      std::vector<at::Tensor> one = {tensor};
      C10dPending(group_->broadcast(one, options), who(rank_, world_)).wait();
    }
  }
  void barrier() override { C10dPending(group_->barrier(), who(rank_, world_)).wait(); }

 private:
  c10::intrusive_ptr<c10d::ProcessGroup> group_;
  int rank_, world_;
};

}  // namespace

std::shared_ptr<ProcessGroup> ProcessGroup::create(const DistributedEnv& env,
                                                   const c10::Device& device,
                                                   std::chrono::milliseconds timeout) {
  if (!env.distributed()) return std::make_shared<SingleProcess>();
  c10d::TCPStoreOptions store_options;
  store_options.port = static_cast<std::uint16_t>(env.master_port);
  store_options.isServer = env.rank == 0;
  store_options.numWorkers = static_cast<std::size_t>(env.world_size);
  store_options.waitWorkers = true;
  store_options.timeout = timeout;
  c10::intrusive_ptr<c10d::Store> store;
  try {
    store = c10::make_intrusive<c10d::TCPStore>(env.master_addr, store_options);
  } catch (const std::exception& e) {
    throw std::runtime_error(who(env.rank, env.world_size) + ": rendezvous at " + env.master_addr +
                             ":" + std::to_string(env.master_port) + " failed: " + e.what());
  }
  c10::intrusive_ptr<c10d::ProcessGroup> group;
  if (device.is_cuda()) {
#ifdef USE_C10D_NCCL
    auto options = c10d::ProcessGroupNCCL::Options::create();
    options->timeout = timeout;
    group = c10::make_intrusive<c10d::ProcessGroupNCCL>(store, env.rank, env.world_size, options);
#else
    throw std::runtime_error("this LibTorch has no NCCL: multi-process CUDA training needs one");
#endif
  } else {
    auto options = c10d::ProcessGroupGloo::Options::create();
    // The network interface: GLOO_SOCKET_IFNAME when set (as PyTorch), loopback for a local run,
    // else the one this host's name resolves to.
    const char* interface = std::getenv("GLOO_SOCKET_IFNAME");
    const bool local = env.master_addr == "127.0.0.1" || env.master_addr == "localhost";
    options->devices.push_back(interface != nullptr && *interface != '\0'
                                   ? c10d::ProcessGroupGloo::createDeviceForInterface(interface)
                               : local
                                   ? c10d::ProcessGroupGloo::createDeviceForHostname("127.0.0.1")
                                   : c10d::ProcessGroupGloo::createDefaultDevice());
    options->timeout = timeout;
    group = c10::make_intrusive<c10d::ProcessGroupGloo>(store, env.rank, env.world_size, options);
  }
  return std::make_shared<C10dGroup>(group, env.rank, env.world_size);
}

void ProcessGroup::broadcast_module(torch::nn::Module& module, bool buffers_only) {
  if (world_size() == 1) return;
  torch::NoGradGuard no_grad;
  std::vector<at::Tensor> tensors;
  if (!buffers_only) {
    for (const auto& parameter : module.parameters()) tensors.push_back(parameter);
  }
  for (const auto& buffer : module.buffers()) tensors.push_back(buffer);
  broadcast(tensors, 0);
}

}  // namespace protoseg::dist
