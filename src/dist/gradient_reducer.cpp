#include "protoseg/dist/gradient_reducer.h"

#include <torch/torch.h>

namespace protoseg::dist {

GradientReducer::GradientReducer(std::shared_ptr<ProcessGroup> group,
                                 std::vector<at::Tensor> parameters, int64_t bucket_bytes)
    : group_(std::move(group)), parameters_(std::move(parameters)) {
  slot_.resize(parameters_.size());
  int64_t bytes = 0;
  for (size_t i = parameters_.size(); i-- > 0;) {
    if (!parameters_[i].requires_grad()) continue;
    const int64_t size = parameters_[i].numel() * parameters_[i].element_size();
    if (buckets_.empty() || (bytes + size > bucket_bytes && !buckets_.back().members.empty()) ||
        parameters_[i].scalar_type() !=
            parameters_[buckets_.back().members.front()].scalar_type()) {
      buckets_.emplace_back();
      bytes = 0;
    }
    slot_[i] = {buckets_.size() - 1, buckets_.back().members.size()};
    buckets_.back().members.push_back(i);
    bytes += size;
  }
  for (Bucket& bucket : buckets_) bucket.grads.resize(bucket.members.size());
  if (group_->world_size() == 1) return;  // nothing to communicate
  for (size_t i = 0; i < parameters_.size(); ++i) {
    if (!parameters_[i].requires_grad()) continue;
    hooks_.push_back(parameters_[i].register_hook([this, i](const at::Tensor& grad) {
      on_gradient(i, grad);
      return grad;
    }));
  }
}

GradientReducer::~GradientReducer() {
  size_t hook = 0;
  for (size_t i = 0; i < parameters_.size() && hook < hooks_.size(); ++i) {
    if (parameters_[i].requires_grad()) parameters_[i].remove_hook(hooks_[hook++]);
  }
}

void GradientReducer::on_gradient(size_t parameter, const at::Tensor& grad) {
  std::lock_guard<std::mutex> lock(mutex_);
  const auto [b, position] = slot_[parameter];
  Bucket& bucket = buckets_[b];
  if (!bucket.grads[position].defined()) ++bucket.ready;
  bucket.grads[position] = bucket.grads[position].defined() ? bucket.grads[position] + grad : grad;
  launch_ready_buckets();
}

void GradientReducer::launch_ready_buckets() {
  while (next_launch_ < buckets_.size() &&
         buckets_[next_launch_].ready == buckets_[next_launch_].members.size()) {
    launch(buckets_[next_launch_++]);
  }
}

void GradientReducer::launch(Bucket& bucket) {
  std::vector<at::Tensor> pieces;
  for (size_t k = 0; k < bucket.members.size(); ++k) {
    const at::Tensor& parameter = parameters_[bucket.members[k]];
    pieces.push_back(bucket.grads[k].defined()
                         ? bucket.grads[k].reshape(-1)
                         : torch::zeros({parameter.numel()}, parameter.options()));
  }
  bucket.flat = torch::cat(pieces);
  bucket.pending = group_->all_reduce_sum_async(bucket.flat);
}

void GradientReducer::finish() {
  if (group_->world_size() == 1) return;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    while (next_launch_ < buckets_.size()) launch(buckets_[next_launch_++]);
  }
  torch::NoGradGuard no_grad;
  const double scale = 1.0 / group_->world_size();
  for (Bucket& bucket : buckets_) {
    bucket.pending->wait();
    bucket.flat.mul_(scale);
    int64_t offset = 0;
    for (const size_t member : bucket.members) {
      at::Tensor& parameter = parameters_[member];
      const at::Tensor average =
          bucket.flat.slice(0, offset, offset + parameter.numel()).view_as(parameter);
      offset += parameter.numel();
      if (parameter.grad().defined()) {
        parameter.mutable_grad().copy_(average);
      } else {
        parameter.mutable_grad() = average.clone();
      }
    }
    bucket.grads.assign(bucket.grads.size(), at::Tensor());
    bucket.ready = 0;
    bucket.flat = at::Tensor();
    bucket.pending.reset();
  }
  next_launch_ = 0;
}

}  // namespace protoseg::dist
