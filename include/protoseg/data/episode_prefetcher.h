#pragma once

#include <condition_variable>
#include <cstdint>
#include <exception>
#include <functional>
#include <map>
#include <mutex>
#include <thread>
#include <vector>

#include "protoseg/data/episode.h"

namespace protoseg::data {

/// Makes episodes first_index, first_index + 1, ... on background threads and hands them out
/// in order. At most `capacity` episodes are made ahead of the consumer. Because episode `i`
/// depends only on `i`, the sequence is the same for any number of workers.
class EpisodePrefetcher {
 public:
  using Maker = std::function<Episode(int64_t index)>;

  EpisodePrefetcher(Maker make, int64_t first_index, int workers, int capacity);
  ~EpisodePrefetcher();
  EpisodePrefetcher(const EpisodePrefetcher&) = delete;
  EpisodePrefetcher& operator=(const EpisodePrefetcher&) = delete;

  /// The next episode in order; blocks until it is ready. Rethrows a worker's exception for
  /// the episode that failed.
  Episode next();
  /// Index of the episode next() returns next (the sampler position saved in checkpoints).
  int64_t next_index() const;
  /// Seconds next() spent waiting for episodes so far.
  double waited_seconds() const;

 private:
  void work();

  Maker make_;
  int capacity_;
  mutable std::mutex mutex_;
  std::condition_variable produced_, consumed_;
  int64_t next_to_make_;
  int64_t next_to_hand_out_;
  std::map<int64_t, Episode> ready_;
  std::map<int64_t, std::exception_ptr> failed_;
  bool stopping_ = false;
  double waited_seconds_ = 0.0;
  std::vector<std::thread> workers_;
};

}  // namespace protoseg::data
