#include "protoseg/core/device.h"

#include <stdexcept>

#include <torch/cuda.h>

namespace protoseg::core {

c10::Device resolve_device(const std::string& request) {
  if (request == "cpu") return c10::Device(c10::kCPU);
  if (request == "auto") {
    return torch::cuda::is_available() ? c10::Device(c10::kCUDA, 0) : c10::Device(c10::kCPU);
  }
  if (request.rfind("cuda", 0) != 0) {
    throw std::invalid_argument("device '" + request + "': expected cpu, cuda, cuda:N or auto");
  }
  if (!torch::cuda::is_available()) {
    throw std::runtime_error("device '" + request +
                             "' requested but CUDA is not available (this LibTorch build or "
                             "machine has no CUDA device); use --device cpu or auto");
  }
  c10::Device device(request);
  if (device.has_index() && device.index() >= static_cast<int>(torch::cuda::device_count())) {
    throw std::runtime_error("device '" + request + "': only " +
                             std::to_string(torch::cuda::device_count()) + " CUDA device(s)");
  }
  return device;
}

}  // namespace protoseg::core
