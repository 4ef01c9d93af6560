#include "protoseg/supervoxel/body_mask.h"

#include <cstdint>
#include <vector>

#include <torch/torch.h>

namespace protoseg::supervoxel {
namespace {

// Labels the 8-connected components of `mask` (h x w) in raster order of their first pixel and
// returns the label (1-based) of the largest; 0 when the mask is empty.
int32_t largest_component(const uint8_t* mask, int64_t h, int64_t w, std::vector<int32_t>& label) {
  label.assign(static_cast<size_t>(h * w), 0);
  std::vector<int64_t> queue;
  int32_t next = 0, best = 0;
  int64_t best_size = 0;
  for (int64_t start = 0; start < h * w; ++start) {
    if (!mask[start] || label[start] != 0) continue;
    const int32_t id = ++next;
    int64_t size = 0;
    queue.assign(1, start);
    label[start] = id;
    while (!queue.empty()) {
      const int64_t p = queue.back();
      queue.pop_back();
      ++size;
      const int64_t y = p / w, x = p % w;
      for (int64_t dy = -1; dy <= 1; ++dy) {
        for (int64_t dx = -1; dx <= 1; ++dx) {
          const int64_t ny = y + dy, nx = x + dx;
          if (ny < 0 || ny >= h || nx < 0 || nx >= w) continue;
          const int64_t q = ny * w + nx;
          if (mask[q] && label[q] == 0) {
            label[q] = id;
            queue.push_back(q);
          }
        }
      }
    }
    if (size > best_size) {
      best_size = size;
      best = id;
    }
  }
  return best;
}

// Sets to 1 every 0 pixel of `mask` that is not 4-connected to the border.
void fill_holes(uint8_t* mask, int64_t h, int64_t w) {
  std::vector<uint8_t> outside(static_cast<size_t>(h * w), 0);
  std::vector<int64_t> queue;
  auto seed = [&](int64_t p) {
    if (!mask[p] && !outside[p]) {
      outside[p] = 1;
      queue.push_back(p);
    }
  };
  for (int64_t x = 0; x < w; ++x) {
    seed(x);
    seed((h - 1) * w + x);
  }
  for (int64_t y = 0; y < h; ++y) {
    seed(y * w);
    seed(y * w + w - 1);
  }
  while (!queue.empty()) {
    const int64_t p = queue.back();
    queue.pop_back();
    const int64_t y = p / w, x = p % w;
    if (y > 0) seed(p - w);
    if (y + 1 < h) seed(p + w);
    if (x > 0) seed(p - 1);
    if (x + 1 < w) seed(p + 1);
  }
  for (int64_t p = 0; p < h * w; ++p) mask[p] = outside[p] ? 0 : 1;
}

}  // namespace

at::Tensor body_mask(const at::Tensor& image, double threshold, bool parallel) {
  TORCH_CHECK(image.dim() == 3, "body_mask: expected a [D,H,W] image, got ", image.sizes());
  const at::Tensor above = (image.to(torch::kCPU) > threshold).to(torch::kUInt8).contiguous();
  at::Tensor mask = torch::zeros_like(above);
  const int64_t depth = above.size(0), h = above.size(1), w = above.size(2);
  auto mask_slices = [&](int64_t begin, int64_t end) {
    std::vector<int32_t> label;
    for (int64_t z = begin; z < end; ++z) {
      const uint8_t* in = above.data_ptr<uint8_t>() + z * h * w;
      uint8_t* out = mask.data_ptr<uint8_t>() + z * h * w;
      const int32_t best = largest_component(in, h, w, label);
      if (best == 0) continue;
      for (int64_t p = 0; p < h * w; ++p) out[p] = label[p] == best;
      fill_holes(out, h, w);
    }
  };
  if (parallel) {
    at::parallel_for(0, depth, 1, mask_slices);
  } else {
    mask_slices(0, depth);
  }
  return mask.to(torch::kBool);
}

}  // namespace protoseg::supervoxel
