#include "protoseg/supervoxel/numpy_order_sort.h"

#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <utility>
#include <vector>

namespace protoseg::supervoxel {
namespace {

// Partitions at or below this length (pr - pl) are finished by insertion sort.
constexpr int64_t kSmallPartition = 15;
// Scheduling niceness of the background sort threads.
constexpr int kBackgroundNice = 10;
// Ranges larger than this are split into two tasks instead of being sorted by one thread.
constexpr int64_t kParallelGrain = int64_t{1} << 18;

inline bool less(const WeightedEdge& a, const WeightedEdge& b) { return a.cost < b.cost; }

int floor_log2(int64_t n) {
  int bits = 0;
  while (n >>= 1) ++bits;
  return bits;
}

// A pending range [pl, pr] with its remaining depth budget. NumPy checks the budget only when
// a range is taken from its stack, never for the range it keeps partitioning in place, so
// `check_depth` is false for such a continuation.
struct Range {
  WeightedEdge* pl;
  WeightedEdge* pr;
  int depth;
  bool check_depth;
  bool equal_keys = false;  ///< known to hold a single key value
};

void heapsort(WeightedEdge* first, int64_t n) {
  WeightedEdge* a = first - 1;  // 1-based heap indexing
  WeightedEdge tmp;
  int64_t i, j;
  for (int64_t l = n >> 1; l > 0; --l) {
    tmp = a[l];
    for (i = l, j = l << 1; j <= n;) {
      if (j < n && less(a[j], a[j + 1])) j += 1;
      if (!less(tmp, a[j])) break;
      a[i] = a[j];
      i = j;
      j += j;
    }
    a[i] = tmp;
  }
  for (; n > 1;) {
    tmp = a[n];
    a[n] = a[1];
    n -= 1;
    for (i = 1, j = 2; j <= n;) {
      if (j < n && less(a[j], a[j + 1])) j++;
      if (!less(tmp, a[j])) break;
      a[i] = a[j];
      i = j;
      j += j;
    }
    a[i] = tmp;
  }
}

// Offsets buffer of the block partition: stoppers found in one scanned block, consumed in order.
constexpr int64_t kBlock = 128;
struct StopperQueue {
  WeightedEdge* base = nullptr;  ///< first element of the scanned block
  int step = 1;                  ///< +1 for blocks scanned upwards, -1 downwards
  uint8_t offset[kBlock];
  int begin = 0;
  int end = 0;
  bool empty() const { return begin == end; }
  WeightedEdge* at(int k) const { return base + step * offset[k]; }
};

// One median-of-3 Hoare partition of [pl, pr], keeping the smaller side in [pl, pr] and
// returning the larger side, exactly as NumPy pushes the larger partition on its stack.
//
// NumPy's loop (`do ++pi while v[pi] < pivot; do --pj while pivot < v[pj]; swap`) pairs the
// k-th "left stopper" (element >= pivot, scanning up) with the k-th "right stopper" (element
// <= pivot, scanning down) while they have not crossed. We find the stoppers block by block
// without branches (Edelkamp & Weiss, BlockQuicksort, ESA 2016) and swap the same pairs in the
// same order; blocks never overlap, so every pair found that way is a pair NumPy swaps too.
// Near the crossing point the scalar loop takes over from the same state, so the resulting
// permutation is NumPy's.
Range partition(WeightedEdge*& pl, WeightedEdge*& pr, int depth) {
  WeightedEdge* pm = pl + ((pr - pl) >> 1);
  if (less(*pm, *pl)) std::swap(*pm, *pl);
  if (less(*pr, *pm)) std::swap(*pr, *pm);
  if (less(*pm, *pl)) std::swap(*pm, *pl);
  const double pivot = pm->cost;
  std::swap(*pm, *(pr - 1));

  // Unscanned region [left, right]; pl and pr - 1 are the sentinels of the scalar scans.
  WeightedEdge* left = pl + 1;
  WeightedEdge* right = pr - 2;
  StopperQueue lefts, rights;
  // The most recent swap: its right end now holds an element >= pivot and its left end one
  // <= pivot, which NumPy's scans would stop at before any stopper queued beyond them.
  WeightedEdge* last_left = pl;
  WeightedEdge* last_right = pr - 1;
  for (;;) {
    // Carve the next block(s) from the unscanned region. Blocks shrink geometrically near the
    // crossing, so few queued stoppers are left for the branchy scalar finish.
    const int64_t unscanned = right - left + 1;
    auto block_size = [](int64_t available) {
      return std::min<int64_t>(kBlock, (available + 1) / 2);
    };
    int64_t left_block = 0, right_block = 0;
    if (lefts.empty()) left_block = block_size(unscanned);
    if (rights.empty()) right_block = block_size(unscanned - left_block);
    if (left_block > 0) {
      lefts.begin = lefts.end = 0;
      lefts.base = left;
      for (int i = 0; i < left_block; ++i) {
        lefts.offset[lefts.end] = static_cast<uint8_t>(i);
        lefts.end += !(left[i].cost < pivot);
      }
      left += left_block;
    }
    if (right_block > 0) {
      rights.begin = rights.end = 0;
      rights.base = right;
      rights.step = -1;
      for (int i = 0; i < right_block; ++i) {
        rights.offset[rights.end] = static_cast<uint8_t>(i);
        rights.end += !(pivot < (right - i)->cost);
      }
      right -= right_block;
    }
    if (lefts.empty() || rights.empty()) break;
    const int pairs = std::min(lefts.end - lefts.begin, rights.end - rights.begin);
    for (int k = 0; k < pairs; ++k) {
      std::swap(*lefts.at(lefts.begin + k), *rights.at(rights.begin + k));
    }
    last_left = lefts.at(lefts.begin + pairs - 1);
    last_right = rights.at(rights.begin + pairs - 1);
    lefts.begin += pairs;
    rights.begin += pairs;
  }
  // Scalar finish: NumPy's loop, resuming with the stoppers already found. A stopper taken
  // from a queue or found past a frontier is only NumPy's next one if no swap since has put a
  // stopping element closer, which only the most recent swap can have done.
  WeightedEdge* pi;
  for (;;) {
    if (!lefts.empty()) {
      pi = lefts.at(lefts.begin++);
    } else {
      while (left->cost < pivot) ++left;
      pi = left++;
    }
    pi = std::min(pi, last_right);
    WeightedEdge* pj;
    if (!rights.empty()) {
      pj = rights.at(rights.begin++);
    } else {
      while (pivot < right->cost) --right;
      pj = right--;
    }
    pj = std::max(pj, last_left);
    if (pi >= pj) break;
    std::swap(*pi, *pj);
    last_left = pi;
    last_right = pj;
  }
  std::swap(*pi, *(pr - 1));
  Range larger{nullptr, nullptr, depth, true};
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

void insertion_sort(WeightedEdge* pl, WeightedEdge* pr) {
  if (pr <= pl) return;
  for (WeightedEdge* pi = pl + 1; pi <= pr; ++pi) {
    const WeightedEdge value = *pi;
    WeightedEdge* pj = pi;
    WeightedEdge* pk = pi - 1;
    while (pj > pl && less(value, *pk)) *pj-- = *pk--;
    *pj = value;
  }
}

bool all_equal(const WeightedEdge* pl, const WeightedEdge* pr) {
  const double first = pl->cost;
  for (const WeightedEdge* p = pl + 1; p <= pr; ++p) {
    if (p->cost != first) return false;
  }
  return true;
}

// NumPy's partition of a range whose keys are all equal, without comparisons: median-of-3
// swaps nothing and every element stops both scans, so it swaps (pl+1, pr-2), (pl+2, pr-3), ...
// up to the crossing. Same permutation as partition(), far less work.
Range partition_equal(WeightedEdge*& pl, WeightedEdge*& pr, int depth) {
  std::swap(*(pl + ((pr - pl) >> 1)), *(pr - 1));
  WeightedEdge* a = pl + 1;
  WeightedEdge* b = pr - 2;
  while (a < b) std::swap(*a++, *b--);
  WeightedEdge* pi = a;
  std::swap(*pi, *(pr - 1));
  Range larger{nullptr, nullptr, depth, true, true};
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

// Sorts one range completely, as NumPy's loop does from the moment it takes it off its stack.
// Ranges found to hold a single key take the comparison-free path (insertion sort moves
// nothing there); ranges holding only `order_free` are left as they are.
void sort_range(Range start, const std::optional<double>& order_free) {
  std::vector<Range> stack{start};
  while (!stack.empty()) {
    const Range range = stack.back();
    stack.pop_back();
    WeightedEdge* pl = range.pl;
    WeightedEdge* pr = range.pr;
    int depth = range.depth;
    if (range.check_depth && depth < 0) {
      heapsort(pl, pr - pl + 1);
      continue;
    }
    bool equal = range.equal_keys;
    while (pr - pl > kSmallPartition) {
      if (!equal && all_equal(pl, pr)) {
        equal = true;
        if (order_free && pl->cost == *order_free) break;
      }
      stack.push_back(equal ? partition_equal(pl, pr, --depth) : partition(pl, pr, --depth));
    }
    if (!equal) insertion_sort(pl, pr);
  }
}

// Splits a large range with one partition step into the pushed (larger) side and the
// continuation, which NumPy keeps partitioning without a depth check. Returns false when the
// range must be finished as a whole (small, all keys equal, or due for heapsort).
bool split_once(const Range& range, Range& larger, Range& kept) {
  if (range.pr - range.pl <= kParallelGrain || (range.check_depth && range.depth < 0) ||
      all_equal(range.pl, range.pr)) {
    return false;
  }
  WeightedEdge* pl = range.pl;
  WeightedEdge* pr = range.pr;
  const int depth = range.depth - 1;
  larger = partition(pl, pr, depth);
  kept = {pl, pr, depth, false};
  return true;
}

}  // namespace

struct NumpyOrderSorter::State {
  WeightedEdge* edges;
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
      const bool split = split_once(range, larger, kept);
      if (!split) sort_range(range, order_free);
      {
        std::lock_guard<std::mutex> lock(mutex);
        --busy;
        if (split) {
          push(larger);
          push(kept);
          // The pivot lies between the two sides and is in its final place.
          const WeightedEdge* pivot = larger.pl > kept.pr ? larger.pl - 1 : kept.pl - 1;
          finish(pivot - edges, pivot - edges + 1);
        } else {
          finish(range.pl - edges, range.pr - edges + 1);
        }
      }
      work_ready.notify_all();
      progress.notify_all();
    }
  }
};

NumpyOrderSorter::NumpyOrderSorter(WeightedEdge* edges, int64_t count, int threads,
                                   std::optional<double> order_free_cost)
    : state_(std::make_unique<State>()), count_(count) {
  state_->edges = edges;
  state_->order_free = order_free_cost;
  if (count < 2) {
    state_->final_prefix = count;
    return;
  }
  state_->push({edges, edges + count - 1, floor_log2(count) * 2, true});
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

void sort_like_numpy_quicksort(WeightedEdge* edges, int64_t count, int threads,
                               std::optional<double> order_free_cost) {
  if (count < 2) return;
  if (threads <= 1 || count <= kParallelGrain) {
    sort_range({edges, edges + count - 1, floor_log2(count) * 2, true}, order_free_cost);
    return;
  }
  NumpyOrderSorter sorter(edges, count, threads, order_free_cost);
  sorter.wait_until_final(count - 1);
}

}  // namespace protoseg::supervoxel
