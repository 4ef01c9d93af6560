#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <thread>
#include <vector>

namespace protoseg::supervoxel {

/// Sorts `count` finite costs, moving `ids` along, into exactly the order NumPy's
/// `argsort(kind="quicksort")` (the introsort of NumPy <= 1.24: median-of-3 quicksort,
/// insertion sort below 16 elements, heapsort past depth 2*log2(n)) gives to the same cost
/// array. Equal costs are frequent in supervoxel graphs of integer-valued scans, and the
/// Felzenszwalb merge order among them changes the segmentation, so agreement with ADNet's
/// supervoxels needs this exact tie order. Works on the values themselves instead of an index
/// array (same comparisons and swaps, no indirection), finds stoppers with SIMD where the CPU
/// has AVX2 or AVX-512, and sorts independent partitions on `threads` threads; the result does not
/// depend on the thread count or the instruction set. `order_free_cost`: a cost whose edges'
/// relative order does not matter to the caller (for Felzenszwalb with k > 0, zero-cost edges
/// always merge); ranges holding only that cost are left in any order, which saves work but breaks
/// exact NumPy order among those edges only.
void sort_like_numpy_quicksort(double* costs, uint32_t* ids, int64_t count, int threads,
                               std::optional<double> order_free_cost = std::nullopt);

/// How stoppers are searched for: one element at a time, or 4 (AVX2) or 8 (AVX-512) per compare.
enum class StopperSearch { kScalar, kAvx2, kAvx512 };

/// Chooses the widest stopper search up to `widest` that the CPU has (by default the widest
/// there is). All give the same order; this exists to test and time each. Not to be called
/// while a sort is running. Returns the search now in use.
StopperSearch use_stopper_search(StopperSearch widest);

/// The same sort running on `threads` background threads, sorting the leftmost ranges first
/// and publishing how long the final (sorted) prefix is, so a consumer can walk the sorted
/// edges while the rest is still being sorted, and stop the sort once it needs no more.
class NumpyOrderSorter {
 public:
  NumpyOrderSorter(double* costs, uint32_t* ids, int64_t count, int threads,
                   std::optional<double> order_free_cost = std::nullopt);
  /// Cancels any remaining work and joins the threads.
  ~NumpyOrderSorter();
  NumpyOrderSorter(const NumpyOrderSorter&) = delete;
  NumpyOrderSorter& operator=(const NumpyOrderSorter&) = delete;

  /// Blocks until elements [0, position] are in their final place; returns the length of the
  /// final prefix (> position, or `count` once everything is sorted).
  int64_t wait_until_final(int64_t position);
  /// Stops sorting: ranges not yet started stay unsorted.
  void cancel();

 private:
  struct State;
  std::unique_ptr<State> state_;
  int64_t count_;
  std::vector<std::thread> workers_;
};

}  // namespace protoseg::supervoxel
