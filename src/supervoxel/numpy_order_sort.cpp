#include "protoseg/supervoxel/numpy_order_sort.h"

#include <algorithm>
#include <atomic>
#include <thread>
#include <utility>
#include <vector>

namespace protoseg::supervoxel {
namespace {

// Partitions at or below this length (pr - pl) are finished by insertion sort.
constexpr int64_t kSmallPartition = 15;
// Partitions larger than this are split further before being handed to threads.
constexpr int64_t kParallelGrain = int64_t{1} << 16;

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
  WeightedEdge* at[kBlock];
  int64_t begin = 0;
  int64_t end = 0;
  bool empty() const { return begin == end; }
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
    if (lefts.empty() && right - left + 1 >= kBlock) {
      lefts.begin = lefts.end = 0;
      for (int64_t i = 0; i < kBlock; ++i) {
        lefts.at[lefts.end] = left + i;
        lefts.end += !(left[i].cost < pivot);
      }
      left += kBlock;
    }
    if (rights.empty() && right - left + 1 >= kBlock) {
      rights.begin = rights.end = 0;
      for (int64_t i = 0; i < kBlock; ++i) {
        rights.at[rights.end] = right - i;
        rights.end += !(pivot < (right - i)->cost);
      }
      right -= kBlock;
    }
    if (lefts.empty() || rights.empty()) break;
    const int64_t pairs = std::min(lefts.end - lefts.begin, rights.end - rights.begin);
    for (int64_t k = 0; k < pairs; ++k) {
      std::swap(*lefts.at[lefts.begin + k], *rights.at[rights.begin + k]);
    }
    last_left = lefts.at[lefts.begin + pairs - 1];
    last_right = rights.at[rights.begin + pairs - 1];
    lefts.begin += pairs;
    rights.begin += pairs;
  }
  // Scalar finish: NumPy's loop, resuming with the stoppers already found. A stopper taken
  // from a queue or found past a frontier is only NumPy's next one if no swap since has put a
  // stopping element closer, which only the most recent swap can have done.
  WeightedEdge* pi;
  for (;;) {
    if (!lefts.empty()) {
      pi = lefts.at[lefts.begin++];
    } else {
      while (left->cost < pivot) ++left;
      pi = left++;
    }
    pi = std::min(pi, last_right);
    WeightedEdge* pj;
    if (!rights.empty()) {
      pj = rights.at[rights.begin++];
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
  for (WeightedEdge* pi = pl + 1; pi <= pr; ++pi) {
    const WeightedEdge value = *pi;
    WeightedEdge* pj = pi;
    WeightedEdge* pk = pi - 1;
    while (pj > pl && less(value, *pk)) *pj-- = *pk--;
    *pj = value;
  }
}

// Sorts one range completely; ranges larger than `spill_above` that are split off go to
// `spill` (for other threads) instead of the local stack.
void sort_range(Range start, std::vector<Range>* spill, int64_t spill_above) {
  std::vector<Range> stack{start};
  while (!stack.empty()) {
    Range range = stack.back();
    stack.pop_back();
    WeightedEdge* pl = range.pl;
    WeightedEdge* pr = range.pr;
    int depth = range.depth;
    if (range.check_depth && depth < 0) {
      heapsort(pl, pr - pl + 1);
      continue;
    }
    while (pr - pl > kSmallPartition) {
      if (spill != nullptr && pr - pl > spill_above) {
        const Range larger = partition(pl, pr, --depth);
        spill->push_back(larger);
        // The kept side continues unchecked, as in NumPy.
        spill->push_back({pl, pr, depth, false});
        pl = pr;  // handed over
        break;
      }
      stack.push_back(partition(pl, pr, --depth));
    }
    if (pr > pl) insertion_sort(pl, pr);
  }
}

}  // namespace

void sort_like_numpy_quicksort(WeightedEdge* edges, int64_t count, int threads) {
  if (count < 2) return;
  const Range all{edges, edges + count - 1, floor_log2(count) * 2, true};
  if (threads <= 1 || count <= kParallelGrain) {
    sort_range(all, nullptr, 0);
    return;
  }
  // Split breadth-first into independent ranges, then sort them on all threads, largest first.
  std::vector<Range> ready;
  std::vector<Range> pending{all};
  while (!pending.empty()) {
    std::vector<Range> next;
    for (const Range& range : pending) {
      if (range.pr - range.pl <= kParallelGrain * 4 || (range.check_depth && range.depth < 0)) {
        ready.push_back(range);
      } else {
        sort_range(range, &next, kParallelGrain * 4);
      }
    }
    pending.swap(next);
    if (pending.size() >= static_cast<size_t>(threads) * 4) {
      // Enough parallelism: split the rest in parallel.
      break;
    }
  }
  ready.insert(ready.end(), pending.begin(), pending.end());
  std::sort(ready.begin(), ready.end(),
            [](const Range& a, const Range& b) { return a.pr - a.pl > b.pr - b.pl; });
  std::atomic<size_t> next_task{0};
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&] {
      for (size_t task = next_task++; task < ready.size(); task = next_task++) {
        sort_range(ready[task], nullptr, 0);
      }
    });
  }
  for (auto& worker : workers) worker.join();
}

}  // namespace protoseg::supervoxel
