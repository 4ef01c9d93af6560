#include "protoseg/core/threads.h"

#include <thread>

#include <ATen/Parallel.h>

namespace protoseg::core {

int hardware_threads() {
  const unsigned n = std::thread::hardware_concurrency();
  return n == 0 ? 1 : static_cast<int>(n);
}

int configure_threads(int requested) {
  const int threads = requested > 0 ? requested : hardware_threads();
  at::set_num_threads(threads);
  return at::get_num_threads();
}

}  // namespace protoseg::core
