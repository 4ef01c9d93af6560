#include "protoseg/train/train_step.h"

#include <chrono>
#include <cmath>

#include <torch/torch.h>

#include "protoseg/core/elapsed.h"

namespace protoseg::train {
namespace {

using Clock = std::chrono::steady_clock;
using core::seconds_since;

}  // namespace

SgdOptions sgd_options(const OptimizerConfig& optimizer) {
  SgdOptions options;
  options.momentum = optimizer.momentum;
  options.weight_decay = optimizer.weight_decay;
  options.clip_value = optimizer.clip_grad_value;
  return options;
}

double learning_rate_at(const OptimizerConfig& optimizer, int64_t step) {
  return optimizer.lr * std::pow(optimizer.lr_gamma, static_cast<double>(step / optimizer.lr_step));
}

TrainStep::TrainStep(models::FewShotSegmenter model, Sgd& optimizer, TrainConfig config,
                     core::Precision precision, dist::GradientReducer* reducer)
    : model_(std::move(model)),
      optimizer_(optimizer),
      config_(std::move(config)),
      precision_(precision),
      device_(model_->head->threshold_parameter.device()),
      reducer_(reducer) {}

StepOutcome TrainStep::run(const EpisodeBatch& batch, double lr) {
  StepOutcome out;
  optimizer_.zero_grad();

  const auto forward_start = Clock::now();
  {
    core::AutocastGuard autocast(device_, precision_);
    out.losses = episode_losses(*model_, batch, config_.loss);
  }
  out.loss = out.losses.total.item<double>();
  out.times.forward_s = seconds_since(forward_start);
  out.finite = std::isfinite(out.loss);
  if (!out.finite) return out;

  const auto backward_start = Clock::now();
  out.losses.total.backward();
  if (reducer_ != nullptr) reducer_->finish();
  out.times.backward_s = seconds_since(backward_start);

  const auto optimizer_start = Clock::now();
  optimizer_.step(lr);
  model_->head->update_statistics(out.losses.threshold, out.losses.ideal_threshold);
  out.times.optimizer_s = seconds_since(optimizer_start);
  return out;
}

}  // namespace protoseg::train
