#pragma once

namespace protoseg::core {

/// Sets LibTorch's intra-op thread count and, where LibTorch's BLAS is OpenBLAS, OpenBLAS's
/// own thread pool to the same count. `requested` <= 0 means all hardware cores (OpenMP starts
/// with a single thread on these machines, so this must be set explicitly). Returns the
/// thread count in effect.
///
/// at::set_num_threads does not reach a pthreads OpenBLAS: left alone it runs matrix products
/// on every core, and its idle workers spin in sched_yield, so a run asked to use one core
/// used two (docs/benchmarks.md).
int configure_threads(int requested = 0);

/// Sets OpenBLAS's thread count if the process has OpenBLAS loaded; returns whether it did.
bool configure_blas_threads(int threads);

/// The number of hardware threads (at least 1).
int hardware_threads();

}  // namespace protoseg::core
