#include "protoseg/supervoxel/numpy_order_sort.h"

#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <condition_variable>
#include <cstring>
#include <map>
#include <mutex>
#include <utility>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

namespace protoseg::supervoxel {
namespace {

// Partitions at or below this length (pr - pl) are finished by insertion sort.
constexpr int64_t kSmallPartition = 15;
// Stoppers are searched for a block of this many elements at a time.
constexpr int kBlock = 128;
// Scheduling niceness of the background sort threads.
constexpr int kBackgroundNice = 10;
// Ranges larger than this are split into two tasks instead of being sorted by one thread.
constexpr int64_t kParallelGrain = int64_t{1} << 18;

int floor_log2(int64_t n) {
  int bits = 0;
  while (n >>= 1) ++bits;
  return bits;
}

// The parallel arrays being sorted; positions are indices into both.
struct Arrays {
  double* cost;
  uint32_t* id;
  void swap(int64_t a, int64_t b) const {
    std::swap(cost[a], cost[b]);
    std::swap(id[a], id[b]);
  }
};

// A pending range [pl, pr] with its remaining depth budget. NumPy checks the budget only when
// a range is taken from its stack, never for the range it keeps partitioning in place, so
// `check_depth` is false for such a continuation.
struct Range {
  int64_t pl;
  int64_t pr;
  int depth;
  bool check_depth;
  bool equal_keys = false;  ///< known to hold a single key value
};

// Moves (tmp, tmp_id) down from 1-based position i of the heap c[1..n], d[1..n].
void sift_down(double* c, uint32_t* d, int64_t i, int64_t n, double tmp, uint32_t tmp_id) {
  for (int64_t j = i << 1; j <= n;) {
    if (j < n && c[j] < c[j + 1]) j += 1;
    if (!(tmp < c[j])) break;
    c[i] = c[j];
    d[i] = d[j];
    i = j;
    j += j;
  }
  c[i] = tmp;
  d[i] = tmp_id;
}

void heapsort(const Arrays& e, int64_t first, int64_t n) {
  double* c = e.cost + first - 1;  // 1-based heap indexing
  uint32_t* d = e.id + first - 1;
  for (int64_t l = n >> 1; l > 0; --l) sift_down(c, d, l, n, c[l], d[l]);
  for (; n > 1;) {
    const double tmp = c[n];
    const uint32_t tmp_id = d[n];
    c[n] = c[1];
    d[n] = d[1];
    n -= 1;
    sift_down(c, d, 1, n, tmp, tmp_id);
  }
}

// --- Stopper search --------------------------------------------------------------------------
// Upwards (kDown false): offsets i in [0, n) with !(c[from + i] < pivot), ascending.
// Downwards (kDown true): offsets i in [0, n) with !(pivot < c[from - i]), ascending in i.
// Each writes up to n + 7 bytes to `out` and returns the count.

template <bool kDown>
bool is_stopper(const double* c, int64_t from, int i, double pivot) {
  return kDown ? !(pivot < c[from - i]) : !(c[from + i] < pivot);
}

// The scalar scan over offsets [i, n), appending to `count` stoppers already in `out`; the
// SIMD scans finish their last partial vector with it.
template <bool kDown>
int scan_tail(const double* c, int64_t from, int i, int n, double pivot, uint8_t* out, int count) {
  for (; i < n; ++i) {
    out[count] = static_cast<uint8_t>(i);
    count += is_stopper<kDown>(c, from, i, pivot);
  }
  return count;
}

template <bool kDown>
int scan_scalar(const double* c, int64_t from, int n, double pivot, uint8_t* out) {
  return scan_tail<kDown>(c, from, 0, n, pivot, out, 0);
}

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define PROTOSEG_HAVE_SIMD_SCAN 1

// For a `lanes`-bit compare mask: the set lane positions, ascending (up), or as offsets
// lanes - 1 - k for descending lanes k (down, where lane k holds the element lanes - 1 - k
// positions further down), packed one per byte.
template <int lanes>
struct ScanTable {
  uint64_t up[1 << lanes];
  uint64_t down[1 << lanes];
  ScanTable() {
    for (int mask = 0; mask < (1 << lanes); ++mask) {
      uint64_t up_bytes = 0, down_bytes = 0;
      int n = 0;
      for (int k = 0; k < lanes; ++k) {
        if (mask & (1 << k)) up_bytes |= static_cast<uint64_t>(k) << (8 * n++);
      }
      n = 0;
      for (int k = lanes - 1; k >= 0; --k) {
        if (mask & (1 << k)) down_bytes |= static_cast<uint64_t>(lanes - 1 - k) << (8 * n++);
      }
      up[mask] = up_bytes;
      down[mask] = down_bytes;
    }
  }
};
const ScanTable<4> kScanTable4;
const ScanTable<8> kScanTable8;

// Four lanes per compare. Downwards, lanes 0..3 hold offsets i+3 .. i.
template <bool kDown>
__attribute__((target("avx2,popcnt"))) int scan_avx2(const double* c, int64_t from, int n,
                                                     double pivot, uint8_t* out) {
  const __m256d p = _mm256_set1_pd(pivot);
  int count = 0;
  int i = 0;
  for (; i + 4 <= n; i += 4) {
    const __m256d v = _mm256_loadu_pd(kDown ? c + from - i - 3 : c + from + i);
    const int mask = _mm256_movemask_pd(kDown ? _mm256_cmp_pd(v, p, _CMP_NGT_UQ)
                                              : _mm256_cmp_pd(v, p, _CMP_NLT_UQ));
    const uint64_t table = kDown ? kScanTable4.down[mask] : kScanTable4.up[mask];
    const auto offsets = static_cast<uint32_t>(table) + 0x01010101u * static_cast<uint32_t>(i);
    std::memcpy(out + count, &offsets, 4);
    count += __builtin_popcount(mask);
  }
  return scan_tail<kDown>(c, from, i, n, pivot, out, count);
}

// Eight lanes per compare (AVX-512F). Downwards, lanes 0..7 hold offsets i+7 .. i.
template <bool kDown>
__attribute__((target("avx512f,popcnt"))) int scan_avx512(const double* c, int64_t from, int n,
                                                          double pivot, uint8_t* out) {
  const __m512d p = _mm512_set1_pd(pivot);
  int count = 0;
  int i = 0;
  for (; i + 8 <= n; i += 8) {
    const __m512d v = _mm512_loadu_pd(kDown ? c + from - i - 7 : c + from + i);
    const unsigned mask =
        kDown ? _mm512_cmp_pd_mask(v, p, _CMP_NGT_UQ) : _mm512_cmp_pd_mask(v, p, _CMP_NLT_UQ);
    const uint64_t table = kDown ? kScanTable8.down[mask] : kScanTable8.up[mask];
    const uint64_t offsets = table + 0x0101010101010101u * static_cast<uint64_t>(i);
    std::memcpy(out + count, &offsets, 8);
    count += __builtin_popcount(mask);
  }
  return scan_tail<kDown>(c, from, i, n, pivot, out, count);
}
#endif

using ScanFunction = int (*)(const double*, int64_t, int, double, uint8_t*);
struct Scanners {
  ScanFunction up = scan_scalar<false>;
  ScanFunction down = scan_scalar<true>;
  StopperSearch level = StopperSearch::kScalar;
  Scanners() { select(StopperSearch::kAvx512); }
  void select(StopperSearch wanted) {
    up = scan_scalar<false>;
    down = scan_scalar<true>;
    level = StopperSearch::kScalar;
#ifdef PROTOSEG_HAVE_SIMD_SCAN
    if (!__builtin_cpu_supports("popcnt")) return;
    if (wanted >= StopperSearch::kAvx512 && __builtin_cpu_supports("avx512f")) {
      up = scan_avx512<false>;
      down = scan_avx512<true>;
      level = StopperSearch::kAvx512;
    } else if (wanted >= StopperSearch::kAvx2 && __builtin_cpu_supports("avx2")) {
      up = scan_avx2<false>;
      down = scan_avx2<true>;
      level = StopperSearch::kAvx2;
    }
#endif
  }
};
Scanners kScanners;

// Stoppers found in one scanned block, consumed in order.
struct StopperQueue {
  int64_t base = 0;  ///< first position of the block
  int step = 1;      ///< +1 for blocks scanned upwards, -1 downwards
  uint8_t offset[kBlock + 8];
  int begin = 0;
  int end = 0;
  bool empty() const { return begin == end; }
  int64_t at(int k) const { return base + step * offset[k]; }
};

// Moves the pivot from pr - 1 to its final place pi, keeps the smaller side in [pl, pr] and
// returns the larger side, as NumPy pushes the larger partition on its stack.
Range place_pivot(const Arrays& e, int64_t pi, int64_t& pl, int64_t& pr, int depth,
                  bool equal_keys) {
  e.swap(pi, pr - 1);
  Range larger{0, 0, depth, true, equal_keys};
  if (pi - pl < pr - pi) {
    larger.pl = pi + 1;
    larger.pr = pr;
    pr = pi - 1;
  } else {
    larger.pl = pl;
    larger.pr = pi - 1;
    pl = pi + 1;
  }
  return larger;
}

// One median-of-3 Hoare partition of [pl, pr], keeping the smaller side in [pl, pr] and
// returning the larger side, exactly as NumPy pushes the larger partition on its stack.
//
// NumPy's loop (`do ++pi while v[pi] < pivot; do --pj while pivot < v[pj]; swap`) pairs the
// k-th "left stopper" (element >= pivot, scanning up) with the k-th "right stopper" (element
// <= pivot, scanning down) while they have not crossed. We find the stoppers block by block
// without branches (Edelkamp & Weiss, BlockQuicksort, ESA 2016) and swap the same pairs in the
// same order; blocks never overlap, so every pair found that way is a pair NumPy swaps too.
// Near the crossing the scalar loop takes over from the same state, so the resulting
// permutation is NumPy's.
Range partition(const Arrays& e, int64_t& pl, int64_t& pr, int depth) {
  const double* c = e.cost;
  const int64_t pm = pl + ((pr - pl) >> 1);
  if (c[pm] < c[pl]) e.swap(pm, pl);
  if (c[pr] < c[pm]) e.swap(pr, pm);
  if (c[pm] < c[pl]) e.swap(pm, pl);
  const double pivot = c[pm];
  e.swap(pm, pr - 1);

  // Unscanned region [left, right]; pl and pr - 1 are the sentinels of the scalar scans.
  int64_t left = pl + 1;
  int64_t right = pr - 2;
  StopperQueue lefts, rights;
  rights.step = -1;
  // The most recent swap: its right end now holds an element >= pivot and its left end one
  // <= pivot, which NumPy's scans would stop at before any stopper queued beyond them.
  int64_t last_left = pl;
  int64_t last_right = pr - 1;
  for (;;) {
    // Carve the next block(s) from the unscanned region, halving near the crossing so few
    // queued stoppers are left for the scalar finish.
    const int64_t unscanned = right - left + 1;
    auto block_size = [](int64_t available) {
      return static_cast<int>(std::min<int64_t>(kBlock, (available + 1) / 2));
    };
    if (lefts.empty() && unscanned > 0) {
      const int block = block_size(unscanned);
      lefts.begin = 0;
      lefts.base = left;
      lefts.end = kScanners.up(c, left, block, pivot, lefts.offset);
      left += block;
    }
    if (rights.empty() && right >= left) {
      const int block = block_size(right - left + 1);
      rights.begin = 0;
      rights.base = right;
      rights.end = kScanners.down(c, right, block, pivot, rights.offset);
      right -= block;
    }
    if (lefts.empty() || rights.empty()) {
      if (right >= left) continue;  // an empty block; scan on
      break;
    }
    const int pairs = std::min(lefts.end - lefts.begin, rights.end - rights.begin);
    for (int k = 0; k < pairs; ++k) e.swap(lefts.at(lefts.begin + k), rights.at(rights.begin + k));
    last_left = lefts.at(lefts.begin + pairs - 1);
    last_right = rights.at(rights.begin + pairs - 1);
    lefts.begin += pairs;
    rights.begin += pairs;
  }
  // Scalar finish: NumPy's loop, resuming with the stoppers already found. A stopper taken
  // from a queue or found past a frontier is only NumPy's next one if no swap since has put a
  // stopping element closer, which only the most recent swap can have done.
  int64_t pi;
  for (;;) {
    if (!lefts.empty()) {
      pi = lefts.at(lefts.begin++);
    } else {
      while (c[left] < pivot) ++left;
      pi = left++;
    }
    pi = std::min(pi, last_right);
    int64_t pj;
    if (!rights.empty()) {
      pj = rights.at(rights.begin++);
    } else {
      while (pivot < c[right]) --right;
      pj = right--;
    }
    pj = std::max(pj, last_left);
    if (pi >= pj) break;
    e.swap(pi, pj);
    last_left = pi;
    last_right = pj;
  }
  return place_pivot(e, pi, pl, pr, depth, /*equal_keys=*/false);
}

// NumPy's partition of a range whose keys are all equal, without comparisons: median-of-3
// swaps nothing and every element stops both scans, so it swaps (pl+1, pr-2), (pl+2, pr-3), ...
// up to the crossing. Same permutation as partition(), far less work.
Range partition_equal(const Arrays& e, int64_t& pl, int64_t& pr, int depth) {
  e.swap(pl + ((pr - pl) >> 1), pr - 1);
  int64_t a = pl + 1;
  int64_t b = pr - 2;
  std::reverse(e.cost + a, e.cost + b + 1);
  std::reverse(e.id + a, e.id + b + 1);
  // The pairs (a+k, b-k) swap while a+k < b-k; the scan stops at the first a+k >= b-k.
  const int64_t pi = a + (b - a + 1) / 2;
  return place_pivot(e, pi, pl, pr, depth, /*equal_keys=*/true);
}

void insertion_sort(const Arrays& e, int64_t pl, int64_t pr) {
  double* c = e.cost;
  uint32_t* d = e.id;
  for (int64_t pi = pl + 1; pi <= pr; ++pi) {
    const double value = c[pi];
    const uint32_t value_id = d[pi];
    int64_t pj = pi;
    while (pj > pl && value < c[pj - 1]) {
      c[pj] = c[pj - 1];
      d[pj] = d[pj - 1];
      --pj;
    }
    c[pj] = value;
    d[pj] = value_id;
  }
}

bool all_equal(const double* c, int64_t pl, int64_t pr) {
  const double first = c[pl];
  for (int64_t p = pl + 1; p <= pr; ++p) {
    if (c[p] != first) return false;
  }
  return true;
}

// Sorts one range completely, as NumPy's loop does from the moment it takes it off its stack.
// Ranges found to hold a single key take the comparison-free path (insertion sort moves
// nothing there); ranges holding only `order_free` are left as they are.
void sort_range(const Arrays& e, Range start, const std::optional<double>& order_free) {
  std::vector<Range> stack{start};
  while (!stack.empty()) {
    const Range range = stack.back();
    stack.pop_back();
    int64_t pl = range.pl;
    int64_t pr = range.pr;
    int depth = range.depth;
    if (range.check_depth && depth < 0) {
      heapsort(e, pl, pr - pl + 1);
      continue;
    }
    bool equal = range.equal_keys;
    while (pr - pl > kSmallPartition) {
      if (!equal && all_equal(e.cost, pl, pr)) {
        equal = true;
        if (order_free && e.cost[pl] == *order_free) break;
      }
      stack.push_back(equal ? partition_equal(e, pl, pr, --depth) : partition(e, pl, pr, --depth));
    }
    if (!equal) insertion_sort(e, pl, pr);
  }
}

// Splits a large range with one partition step into the pushed (larger) side and the
// continuation, which NumPy keeps partitioning without a depth check. Returns false when the
// range must be finished as a whole (small, all keys equal, or due for heapsort).
bool split_once(const Arrays& e, const Range& range, Range& larger, Range& kept) {
  if (range.pr - range.pl <= kParallelGrain || (range.check_depth && range.depth < 0) ||
      all_equal(e.cost, range.pl, range.pr)) {
    return false;
  }
  int64_t pl = range.pl;
  int64_t pr = range.pr;
  const int depth = range.depth - 1;
  larger = partition(e, pl, pr, depth);
  kept = {pl, pr, depth, false};
  return true;
}

}  // namespace

struct NumpyOrderSorter::State {
  Arrays edges;
  std::optional<double> order_free;
  std::mutex mutex;
  std::condition_variable work_ready;
  std::condition_variable progress;
  std::vector<Range> queue;  // heap, leftmost range first
  int busy = 0;
  bool cancelled = false;
  // Finished intervals [begin, end) beyond the final prefix, and the prefix length itself.
  std::map<int64_t, int64_t> finished;
  int64_t final_prefix = 0;

  static bool right_of(const Range& a, const Range& b) { return a.pl > b.pl; }

  void push(const Range& range) {  // mutex held
    if (range.pr < range.pl) return;
    queue.push_back(range);
    std::push_heap(queue.begin(), queue.end(), right_of);
  }
  void finish(int64_t begin, int64_t end) {  // mutex held
    if (end <= begin) return;
    finished.emplace(begin, end);
    for (auto next = finished.find(final_prefix); next != finished.end();
         next = finished.find(final_prefix)) {
      final_prefix = next->second;
      finished.erase(next);
    }
  }

  void work() {
    // A consumer walking the sorted prefix is on the critical path; let it preempt the sort.
    setpriority(PRIO_PROCESS, static_cast<id_t>(syscall(SYS_gettid)), kBackgroundNice);
    for (;;) {
      Range range;
      {
        std::unique_lock<std::mutex> lock(mutex);
        work_ready.wait(lock, [&] { return cancelled || !queue.empty() || busy == 0; });
        if (cancelled || queue.empty()) return;
        std::pop_heap(queue.begin(), queue.end(), right_of);
        range = queue.back();
        queue.pop_back();
        ++busy;
      }
      Range larger{}, kept{};
      const bool split = split_once(edges, range, larger, kept);
      if (!split) sort_range(edges, range, order_free);
      {
        std::lock_guard<std::mutex> lock(mutex);
        --busy;
        if (split) {
          push(larger);
          push(kept);
          // The pivot lies between the two sides and is in its final place.
          const int64_t pivot = larger.pl > kept.pr ? larger.pl - 1 : kept.pl - 1;
          finish(pivot, pivot + 1);
        } else {
          finish(range.pl, range.pr + 1);
        }
      }
      work_ready.notify_all();
      progress.notify_all();
    }
  }
};

NumpyOrderSorter::NumpyOrderSorter(double* costs, uint32_t* ids, int64_t count, int threads,
                                   std::optional<double> order_free_cost)
    : state_(std::make_unique<State>()), count_(count) {
  state_->edges = {costs, ids};
  state_->order_free = order_free_cost;
  if (count < 2) {
    state_->final_prefix = count;
    return;
  }
  state_->push({0, count - 1, floor_log2(count) * 2, true});
  for (int t = 0; t < std::max(threads, 1); ++t) {
    workers_.emplace_back([this] { state_->work(); });
  }
}

NumpyOrderSorter::~NumpyOrderSorter() {
  cancel();
  for (auto& worker : workers_) worker.join();
}

int64_t NumpyOrderSorter::wait_until_final(int64_t position) {
  std::unique_lock<std::mutex> lock(state_->mutex);
  state_->progress.wait(lock, [&] {
    return state_->final_prefix > position || state_->final_prefix >= count_ ||
           (state_->busy == 0 && state_->queue.empty());
  });
  return state_->final_prefix;
}

void NumpyOrderSorter::cancel() {
  {
    std::lock_guard<std::mutex> lock(state_->mutex);
    state_->cancelled = true;
  }
  state_->work_ready.notify_all();
}

StopperSearch use_stopper_search(StopperSearch widest) {
  kScanners.select(widest);
  return kScanners.level;
}

void sort_like_numpy_quicksort(double* costs, uint32_t* ids, int64_t count, int threads,
                               std::optional<double> order_free_cost) {
  if (count < 2) return;
  const Arrays edges{costs, ids};
  if (threads <= 1 || count <= kParallelGrain) {
    sort_range(edges, {0, count - 1, floor_log2(count) * 2, true}, order_free_cost);
    return;
  }
  NumpyOrderSorter sorter(costs, ids, count, threads, order_free_cost);
  sorter.wait_until_final(count - 1);
}

}  // namespace protoseg::supervoxel
