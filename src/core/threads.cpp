#include "protoseg/core/threads.h"

#include <dlfcn.h>

#include <thread>

#include <ATen/Parallel.h>

namespace protoseg::core {

int hardware_threads() {
  const unsigned n = std::thread::hardware_concurrency();
  return n == 0 ? 1 : static_cast<int>(n);
}

bool configure_blas_threads(int threads) {
  // Looked up at run time: LibTorch builds with MKL (set by at::set_num_threads) or another
  // BLAS have no such symbol, and protoseg does not link OpenBLAS itself.
  using SetThreads = void (*)(int);
  auto set_openblas_threads =
      reinterpret_cast<SetThreads>(dlsym(RTLD_DEFAULT, "openblas_set_num_threads"));
  if (set_openblas_threads == nullptr) {
    return false;
  }
  set_openblas_threads(threads);
  return true;
}

int configure_threads(int requested) {
  const int threads = requested > 0 ? requested : hardware_threads();
  at::set_num_threads(threads);
  configure_blas_threads(threads);
  return at::get_num_threads();
}

}  // namespace protoseg::core
