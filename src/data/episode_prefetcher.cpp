#include "protoseg/data/episode_prefetcher.h"

#include <chrono>

#include <c10/util/Exception.h>

namespace protoseg::data {

EpisodePrefetcher::EpisodePrefetcher(Maker make, int64_t first_index, int workers, int capacity)
    : make_(std::move(make)),
      capacity_(capacity),
      next_to_make_(first_index),
      next_to_hand_out_(first_index) {
  TORCH_CHECK(workers >= 1, "EpisodePrefetcher needs at least one worker, got ", workers);
  TORCH_CHECK(capacity >= 1, "EpisodePrefetcher needs capacity >= 1, got ", capacity);
  for (int i = 0; i < workers; ++i) workers_.emplace_back([this] { work(); });
}

EpisodePrefetcher::~EpisodePrefetcher() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  consumed_.notify_all();
  for (auto& worker : workers_) worker.join();
}

void EpisodePrefetcher::work() {
  while (true) {
    int64_t index = 0;
    {
      std::unique_lock<std::mutex> lock(mutex_);
      consumed_.wait(lock,
                     [this] { return stopping_ || next_to_make_ < next_to_hand_out_ + capacity_; });
      if (stopping_) return;
      index = next_to_make_++;
    }
    Episode episode;
    std::exception_ptr error;
    try {
      episode = make_(index);
    } catch (...) {
      error = std::current_exception();
    }
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (error) {
        failed_[index] = error;
      } else {
        ready_[index] = std::move(episode);
      }
    }
    produced_.notify_all();
  }
}

Episode EpisodePrefetcher::next() {
  const auto start = std::chrono::steady_clock::now();
  std::unique_lock<std::mutex> lock(mutex_);
  const int64_t index = next_to_hand_out_;
  produced_.wait(lock, [&] { return ready_.count(index) > 0 || failed_.count(index) > 0; });
  waited_seconds_ +=
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (auto failure = failed_.find(index); failure != failed_.end()) {
    std::rethrow_exception(failure->second);
  }
  Episode episode = std::move(ready_[index]);
  ready_.erase(index);
  ++next_to_hand_out_;
  lock.unlock();
  consumed_.notify_all();
  return episode;
}

int64_t EpisodePrefetcher::next_index() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return next_to_hand_out_;
}

double EpisodePrefetcher::waited_seconds() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return waited_seconds_;
}

}  // namespace protoseg::data
