#include "protoseg/eval/multi_class_linear_prior.h"

#include <algorithm>
#include <cmath>
#include <random>
#include <stdexcept>
#include <string>

#include <torch/torch.h>

namespace protoseg::eval {
namespace {

constexpr double kMinPrior = 1e-3;

// q of Eq. (reference FB2pred + pred_F) from features x [N, K, 2] and the weights.
at::Tensor total_prior(const at::Tensor& x, const at::Tensor& w_f, const at::Tensor& b_f,
                       const at::Tensor& w_b) {
  const double classes = static_cast<double>(x.size(1));
  const at::Tensor f = (x.matmul(w_f) + b_f).exp();       // [N, K]
  const at::Tensor b = x.matmul(w_b).exp().sum(1, true);  // [N, 1]
  const at::Tensor p = torch::cat({f, b}, 1);
  const at::Tensor normalised = p / p.sum(1, true);
  const at::Tensor mean_f = normalised.slice(1, 0, x.size(1)).mean(1);
  return mean_f / (1.0 - (classes - 1.0) * mean_f);
}

}  // namespace

double MultiClassLinearPrior::predict(double location,
                                      const std::vector<double>& support_fractions) const {
  const double l2 = (location - 0.5) * (location - 0.5);
  double f_sum = 0.0, b_sum = 0.0;
  std::vector<double> f;
  for (double fraction : support_fractions) {
    f.push_back(
        std::exp(foreground_weight[0] * l2 + foreground_weight[1] * fraction + foreground_bias));
    b_sum += std::exp(background_weight[0] * l2 + background_weight[1] * fraction);
  }
  for (double v : f) f_sum += v;
  const double classes = static_cast<double>(support_fractions.size());
  const double mean_f = f_sum / (f_sum + b_sum) / classes;
  const double q = mean_f / (1.0 - (classes - 1.0) * mean_f);
  return std::clamp(std::isfinite(q) ? q : kMinPrior, kMinPrior, 1.0 - kMinPrior);
}

MultiClassLinearPrior fit_multi_class_linear_prior(
    const std::vector<MultiClassPriorSample>& samples, const MultiClassLinearFitOptions& options) {
  std::mt19937_64 rng(options.seed);
  const double bound = 1.0 / std::sqrt(2.0);
  std::uniform_real_distribution<double> start(-bound, bound);
  std::array<double, 5> weights{};
  for (double& w : weights) w = start(rng);
  return fit_multi_class_linear_prior(samples, weights, options);
}

MultiClassLinearPrior fit_multi_class_linear_prior(
    const std::vector<MultiClassPriorSample>& samples, const std::array<double, 5>& start,
    const MultiClassLinearFitOptions& options) {
  std::vector<const MultiClassPriorSample*> usable;
  for (const auto& s : samples) {
    if (std::isfinite(s.prior)) usable.push_back(&s);
  }
  if (usable.size() < 3) {
    throw std::runtime_error("multi-class LinEst: " + std::to_string(usable.size()) +
                             " usable training episodes, need at least 3");
  }
  const auto classes = static_cast<int64_t>(usable.front()->support_fractions.size());
  if (classes < 1) throw std::runtime_error("multi-class LinEst: an episode without classes");
  const auto n = static_cast<int64_t>(usable.size());
  at::Tensor x = torch::empty({n, classes, 2}, torch::kFloat);
  at::Tensor target = torch::empty({n}, torch::kFloat);
  for (int64_t i = 0; i < n; ++i) {
    const MultiClassPriorSample& s = *usable[static_cast<size_t>(i)];
    if (static_cast<int64_t>(s.support_fractions.size()) != classes) {
      throw std::runtime_error("multi-class LinEst: episodes with " + std::to_string(classes) +
                               " and " + std::to_string(s.support_fractions.size()) +
                               " classes; fit one class count at a time");
    }
    const double l2 = (s.location - 0.5) * (s.location - 0.5);
    for (int64_t k = 0; k < classes; ++k) {
      x[i][k][0] = l2;
      x[i][k][1] = s.support_fractions[static_cast<size_t>(k)];
    }
    target[i] = std::clamp(s.prior, kMinPrior, 1.0 - kMinPrior);
  }
  const at::Tensor y = torch::stack({target, 1.0 - target}, 1);  // [N, 2]

  torch::NoGradGuard outer_guard;  // the fit below turns gradients on for its own tensors only
  at::Tensor w_f = torch::tensor({start[0], start[1]}, torch::kFloat);
  at::Tensor b_f = torch::tensor(start[2], torch::kFloat);
  const at::Tensor w_b = torch::tensor({start[3], start[4]}, torch::kFloat);
  {
    torch::AutoGradMode enable(true);
    w_f.set_requires_grad(true);
    b_f.set_requires_grad(true);
    torch::optim::Adam optimizer({w_f, b_f}, torch::optim::AdamOptions(options.learning_rate));
    for (int epoch = 0; epoch < options.epochs; ++epoch) {
      const at::Tensor q = total_prior(x, w_f, b_f, w_b);
      const at::Tensor log_predicted = torch::stack({q, 1.0 - q}, 1).log();
      // torch.nn.functional.kl_div(log_predicted, y), reduction 'mean': mean of
      // y (log y - log_predicted) over every element.
      const at::Tensor loss = (y * (y.log() - log_predicted)).mean();
      optimizer.zero_grad();
      loss.backward();
      optimizer.step();
    }
  }
  MultiClassLinearPrior prior;
  prior.foreground_weight = {w_f[0].item<double>(), w_f[1].item<double>()};
  prior.foreground_bias = b_f.item<double>();
  prior.background_weight = {start[3], start[4]};
  prior.samples = static_cast<int>(n);
  return prior;
}

}  // namespace protoseg::eval
