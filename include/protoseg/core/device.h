#pragma once

#include <string>

#include <c10/core/Device.h>

namespace protoseg::core {

/// Resolves a device request to a torch device.
/// Accepts "cpu", "cuda", "cuda:N" and "auto" (CUDA when available, else CPU).
/// Throws std::invalid_argument for an unknown request and std::runtime_error when CUDA is asked
/// for but this LibTorch build or machine has none.
c10::Device resolve_device(const std::string& request);

}  // namespace protoseg::core
