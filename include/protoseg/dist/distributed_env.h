#pragma once

#include <cstdint>
#include <string>

namespace protoseg::dist {

/// Where this process stands in a multi-process run, configured the torchrun way: RANK,
/// WORLD_SIZE, LOCAL_RANK, MASTER_ADDR and MASTER_PORT. Without them: one process.
struct DistributedEnv {
  int rank = 0;
  int world_size = 1;
  int local_rank = 0;
  std::string master_addr = "127.0.0.1";
  int master_port = 29500;

  bool distributed() const { return world_size > 1; }
  /// Reads the variables; throws std::invalid_argument naming a malformed or inconsistent one
  /// (e.g. RANK >= WORLD_SIZE, a port outside 1..65535, RANK without WORLD_SIZE).
  static DistributedEnv from_environment();
};

}  // namespace protoseg::dist
