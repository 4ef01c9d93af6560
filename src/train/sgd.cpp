#include "protoseg/train/sgd.h"

#include <algorithm>
#include <string>

#include <ATen/Parallel.h>
#include <torch/torch.h>

namespace protoseg::train {
namespace {

bool fusable(const at::Tensor& p, const at::Tensor& g, const at::Tensor& b) {
  return p.is_cpu() && p.scalar_type() == at::kFloat && g.scalar_type() == at::kFloat &&
         p.is_non_overlapping_and_dense() && g.strides() == p.strides() &&
         (!b.defined() || b.strides() == p.strides());
}

// One pass: clip, weight decay, momentum, update.
void fused_update(float* p, const float* g, float* b, int64_t n, float lr, float momentum,
                  float weight_decay, float clip, bool first) {
  at::parallel_for(0, n, 1 << 15, [&](int64_t begin, int64_t end) {
    if (first) {
      for (int64_t i = begin; i < end; ++i) {
        const float d = std::clamp(g[i], -clip, clip) + weight_decay * p[i];
        b[i] = d;
        p[i] -= lr * d;
      }
    } else {
      for (int64_t i = begin; i < end; ++i) {
        const float d = std::clamp(g[i], -clip, clip) + weight_decay * p[i];
        const float v = momentum * b[i] + d;
        b[i] = v;
        p[i] -= lr * v;
      }
    }
  });
}

}  // namespace

Sgd::Sgd(std::vector<at::Tensor> parameters, SgdOptions options)
    : parameters_(std::move(parameters)), momentum_(parameters_.size()), options_(options) {}

void Sgd::zero_grad() {
  for (auto& p : parameters_) {
    if (p.grad().defined()) p.mutable_grad() = at::Tensor();
  }
}

void Sgd::step(double lr) {
  torch::NoGradGuard no_grad;
  const float clip = options_.clip_value > 0 ? static_cast<float>(options_.clip_value)
                                             : std::numeric_limits<float>::infinity();
  for (size_t i = 0; i < parameters_.size(); ++i) {
    at::Tensor& p = parameters_[i];
    const at::Tensor& g = p.grad();
    if (!g.defined()) continue;
    at::Tensor& b = momentum_[i];
    const bool first = !b.defined();
    if (options_.momentum > 0 && fusable(p, g, b)) {
      if (first) b = torch::empty_like(p);
      fused_update(p.data_ptr<float>(), g.data_ptr<float>(), b.data_ptr<float>(), p.numel(),
                   static_cast<float>(lr), static_cast<float>(options_.momentum),
                   static_cast<float>(options_.weight_decay), clip, first);
      continue;
    }
    at::Tensor d = options_.clip_value > 0 ? g.clamp(-clip, clip) : g.clone();
    if (options_.weight_decay != 0) d.add_(p, options_.weight_decay);
    if (options_.momentum > 0) {
      if (first) {
        b = d.clone();
      } else {
        b.mul_(options_.momentum).add_(d);
      }
      d = b;
    }
    p.add_(d, -lr);
  }
}

void Sgd::save(torch::serialize::OutputArchive& archive) const {
  archive.write("count", torch::tensor(static_cast<int64_t>(parameters_.size())));
  for (size_t i = 0; i < momentum_.size(); ++i) {
    if (momentum_[i].defined()) {
      archive.write("momentum." + std::to_string(i), momentum_[i], /*is_buffer=*/true);
    }
  }
}

void Sgd::load(torch::serialize::InputArchive& archive) {
  torch::Tensor count;
  archive.read("count", count);
  TORCH_CHECK(count.item<int64_t>() == static_cast<int64_t>(parameters_.size()),
              "optimizer state is for ", count.item<int64_t>(), " parameters, the model has ",
              parameters_.size());
  for (size_t i = 0; i < parameters_.size(); ++i) {
    torch::Tensor buffer;
    if (archive.try_read("momentum." + std::to_string(i), buffer, /*is_buffer=*/true)) {
      // Keep the parameter's device and memory layout.
      momentum_[i] = torch::empty_like(parameters_[i]).copy_(buffer);
    } else {
      momentum_[i] = at::Tensor();
    }
  }
}

}  // namespace protoseg::train
