#pragma once

namespace protoseg::core {

/// Sets LibTorch's intra-op thread count. `requested` <= 0 means all hardware cores
/// (OpenMP starts with a single thread on these machines, so this must be set explicitly).
/// Returns the thread count in effect.
int configure_threads(int requested = 0);

/// The number of hardware threads (at least 1).
int hardware_threads();

}  // namespace protoseg::core
