#include "protoseg/eval/adjusted_rand_index.h"

#include <unordered_map>

#include <torch/torch.h>

namespace protoseg::eval {
namespace {

long double pairs(int64_t n) { return static_cast<long double>(n) * (n - 1) / 2.0L; }

}  // namespace

double adjusted_rand_index(const at::Tensor& labels_a, const at::Tensor& labels_b) {
  TORCH_CHECK(labels_a.sizes() == labels_b.sizes(), "adjusted_rand_index: shapes differ, ",
              labels_a.sizes(), " vs ", labels_b.sizes());
  const at::Tensor a = labels_a.to(torch::kCPU, torch::kInt64).contiguous().view(-1);
  const at::Tensor b = labels_b.to(torch::kCPU, torch::kInt64).contiguous().view(-1);
  const int64_t n = a.numel();
  if (n < 2) return 1.0;
  const int64_t* pa = a.data_ptr<int64_t>();
  const int64_t* pb = b.data_ptr<int64_t>();

  std::unordered_map<int64_t, int64_t> count_a, count_b;
  std::unordered_map<uint64_t, int64_t> joint;
  for (int64_t i = 0; i < n; ++i) {
    ++count_a[pa[i]];
    ++count_b[pb[i]];
    // Pack both labels into one key (labels outside int32 would collide; they do not occur).
    const uint64_t key =
        (static_cast<uint64_t>(static_cast<uint32_t>(pa[i])) << 32) | static_cast<uint32_t>(pb[i]);
    ++joint[key];
  }
  long double sum_joint = 0, sum_a = 0, sum_b = 0;
  for (const auto& [key, count] : joint) sum_joint += pairs(count);
  for (const auto& [label, count] : count_a) sum_a += pairs(count);
  for (const auto& [label, count] : count_b) sum_b += pairs(count);
  const long double expected = sum_a * sum_b / pairs(n);
  const long double maximum = (sum_a + sum_b) / 2.0L;
  if (maximum == expected) return 1.0;
  return static_cast<double>((sum_joint - expected) / (maximum - expected));
}

}  // namespace protoseg::eval
