#include "protoseg/dist/distributed_env.h"

#include <cstdlib>
#include <stdexcept>

namespace protoseg::dist {
namespace {

bool read_int(const char* name, int& value) {
  const char* text = std::getenv(name);
  if (text == nullptr || *text == '\0') return false;
  char* end = nullptr;
  const long parsed = std::strtol(text, &end, 10);
  if (*end != '\0' || parsed < 0 || parsed > 1000000) {
    throw std::invalid_argument(std::string(name) + "='" + text +
                                "' is not a non-negative integer");
  }
  value = static_cast<int>(parsed);
  return true;
}

}  // namespace

DistributedEnv DistributedEnv::from_environment() {
  DistributedEnv env;
  const bool has_rank = read_int("RANK", env.rank);
  const bool has_world = read_int("WORLD_SIZE", env.world_size);
  if (has_rank != has_world) {
    throw std::invalid_argument("RANK and WORLD_SIZE must be set together (torchrun style)");
  }
  if (!read_int("LOCAL_RANK", env.local_rank)) env.local_rank = env.rank;
  if (env.world_size < 1) throw std::invalid_argument("WORLD_SIZE must be at least 1");
  if (env.rank >= env.world_size) {
    throw std::invalid_argument("RANK=" + std::to_string(env.rank) +
                                " is not below WORLD_SIZE=" + std::to_string(env.world_size));
  }
  if (const char* addr = std::getenv("MASTER_ADDR"); addr != nullptr && *addr != '\0') {
    env.master_addr = addr;
  }
  read_int("MASTER_PORT", env.master_port);
  if (env.master_port < 1 || env.master_port > 65535) {
    throw std::invalid_argument("MASTER_PORT=" + std::to_string(env.master_port) +
                                " is outside 1..65535");
  }
  return env;
}

}  // namespace protoseg::dist
