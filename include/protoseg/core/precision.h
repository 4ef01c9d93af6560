#pragma once

#include <string>

#include <c10/core/Device.h>

namespace protoseg::core {

/// Arithmetic precision of a training or inference run.
enum class Precision {
  kFloat32,   ///< everything in float32 (the reference path)
  kBFloat16,  ///< autocast: convolutions and matrix products in bfloat16, the rest in float32
};

/// Resolves "fp32", "bf16" or "auto" for `device`: auto picks fp32 on CUDA (the reference's
/// precision), bf16 on CPUs with native bf16 arithmetic (AVX-512 BF16 or AMX) and fp32 on
/// other CPUs. Throws std::invalid_argument for another string.
Precision resolve_precision(const std::string& request, const c10::Device& device);

/// "fp32" or "bf16".
std::string to_string(Precision precision);

/// True when /proc/cpuinfo reports avx512_bf16 or amx_bf16.
bool cpu_has_native_bf16();

/// Enables autocast to bfloat16 on `device` for the guard's lifetime (no-op for kFloat32);
/// restores the previous state and clears the autocast weight cache on exit.
class AutocastGuard {
 public:
  AutocastGuard(const c10::Device& device, Precision precision);
  ~AutocastGuard();
  AutocastGuard(const AutocastGuard&) = delete;
  AutocastGuard& operator=(const AutocastGuard&) = delete;

 private:
  bool active_ = false;
  bool cuda_ = false;
  bool was_enabled_ = false;
};

/// Runs its scope in full precision inside an autocast region (heads, losses, statistics):
/// disables autocast on CPU and CUDA and restores the previous state on exit.
class AutocastDisabledGuard {
 public:
  AutocastDisabledGuard();
  ~AutocastDisabledGuard();
  AutocastDisabledGuard(const AutocastDisabledGuard&) = delete;
  AutocastDisabledGuard& operator=(const AutocastDisabledGuard&) = delete;

 private:
  bool cpu_was_enabled_;
  bool cuda_was_enabled_;
};

}  // namespace protoseg::core
