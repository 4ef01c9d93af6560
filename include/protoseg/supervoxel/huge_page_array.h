#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>

namespace protoseg::supervoxel {

/// Allocates `bytes` (rounded up to whole 2 MiB pages) aligned to 2 MiB and asks the kernel to
/// back it with transparent huge pages where it offers them. Free with std::free.
void* allocate_huge_pages(size_t bytes);

/// An uninitialised array of trivially copyable `T` on huge pages. resize() keeps the memory
/// when it is large enough, so one array can serve volume after volume without faulting fresh
/// pages each time (a graph of 8 M voxels needs a few hundred MB).
template <class T>
class HugePageArray {
 public:
  explicit HugePageArray(int64_t size = 0) { resize(size); }
  /// Makes room for `size` elements (plus a few spare ones that vectorised scans may read past
  /// the end); contents are not preserved when the memory grows.
  void resize(int64_t size) {
    size_ = size;
    if (size <= capacity_) return;
    data_.reset();
    data_.reset(
        static_cast<T*>(allocate_huge_pages((static_cast<size_t>(size) + kSpare) * sizeof(T))));
    capacity_ = size;
  }
  int64_t size() const { return size_; }
  T* data() { return data_.get(); }
  const T* data() const { return data_.get(); }
  T& operator[](int64_t i) { return data_.get()[i]; }
  const T& operator[](int64_t i) const { return data_.get()[i]; }

 private:
  static constexpr size_t kSpare = 8;
  struct Free {
    void operator()(void* p) const { std::free(p); }
  };
  std::unique_ptr<T, Free> data_;
  int64_t size_ = 0;
  int64_t capacity_ = 0;
};

}  // namespace protoseg::supervoxel
