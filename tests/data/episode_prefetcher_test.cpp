#include "protoseg/data/episode_prefetcher.h"

#include <atomic>
#include <chrono>
#include <stdexcept>
#include <thread>

#include <gtest/gtest.h>
#include <torch/torch.h>

namespace protoseg::data {
namespace {

Episode numbered(int64_t index) {
  // Uneven work so that workers finish out of order.
  std::this_thread::sleep_for(std::chrono::microseconds((index * 7919) % 5 * 200));
  Episode e;
  e.index = index;
  e.query_image = torch::full({2, 2}, static_cast<float>(index));
  return e;
}

TEST(EpisodePrefetcherTest, HandsOutEpisodesInOrderForAnyWorkerCount) {
  for (int workers : {1, 3}) {
    EpisodePrefetcher prefetcher(numbered, 5, workers, 4);
    for (int64_t i = 5; i < 25; ++i) {
      EXPECT_EQ(prefetcher.next_index(), i);
      const Episode e = prefetcher.next();
      EXPECT_EQ(e.index, i);
      EXPECT_EQ(e.query_image[0][0].item<float>(), static_cast<float>(i));
    }
  }
}

TEST(EpisodePrefetcherTest, MakesAtMostCapacityAhead) {
  std::atomic<int64_t> highest{-1};
  {
    EpisodePrefetcher prefetcher(
        [&](int64_t i) {
          int64_t seen = highest.load();
          while (i > seen && !highest.compare_exchange_weak(seen, i)) {
          }
          return numbered(i);
        },
        0, 2, 3);
    prefetcher.next();
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    // After handing out episode 0, at most episodes 1..3 may be made.
    EXPECT_LE(highest.load(), 3);
  }
}

TEST(EpisodePrefetcherTest, RethrowsTheFailingEpisodesError) {
  EpisodePrefetcher prefetcher(
      [](int64_t i) {
        if (i == 2) throw std::runtime_error("episode two is broken");
        return numbered(i);
      },
      0, 2, 4);
  prefetcher.next();
  prefetcher.next();
  EXPECT_THROW(
      {
        try {
          prefetcher.next();
        } catch (const std::runtime_error& e) {
          EXPECT_STREQ(e.what(), "episode two is broken");
          throw;
        }
      },
      std::runtime_error);
}

}  // namespace
}  // namespace protoseg::data
