#include "protoseg/eval/multi_class_prediction.h"

#include <limits>

#include <torch/torch.h>

#include "protoseg/eval/ideal_threshold.h"
#include "protoseg/models/multi_class_posterior.h"
#include "protoseg/models/prototype_ops.h"

namespace protoseg::eval {
namespace {

// log(H_B) - log(max_k h_F,k) for squared distances / 2 = 1 - cos, [D, K, ...] -> [D, ...].
at::Tensor log_background_ratio(const models::TiedPrototypeHeadImpl& head,
                                const at::Tensor& cos_minus_one) {
  const double d = head.options.feature_dim();
  const at::Tensor sf = head.sigma_foreground.to(cos_minus_one.options());
  const at::Tensor sb = head.sigma_background.to(cos_minus_one.options());
  const at::Tensor log_f = std::get<0>((cos_minus_one / (sf * sf)).max(1)) - d * sf.log();
  const at::Tensor log_b = (cos_minus_one / (sb * sb)).logsumexp(1) - d * sb.log();
  return log_b - log_f;
}

}  // namespace

at::Tensor predict_classes(const models::TiedPrototypeHeadImpl& head, const at::Tensor& cosines,
                           MultiClassRule rule, const at::Tensor& prior, int64_t size,
                           bool reference) {
  torch::NoGradGuard no_grad;
  const double d = head.options.feature_dim();
  at::Tensor probabilities;
  if (rule == MultiClassRule::kAdnetPlusPlus) {
    // The reference's ADNet++: per-organ posteriors of the tied Gaussians (EMA sigmas, equal
    // priors), background 1 - max, softmax over the K + 1 entries before upsampling.
    const at::Tensor per_class = models::tied_class_posteriors(cosines, head.sigma_foreground,
                                                               head.sigma_background, d, reference);
    probabilities = models::adnet_plus_plus_probabilities(per_class).softmax(1);
  } else {
    probabilities = models::multi_class_tpm_probabilities(cosines, head.sigma_foreground,
                                                          head.sigma_background, prior, d);
  }
  return models::upsample_class_probabilities(probabilities, size, size).argmax(1);
}

at::Tensor multi_class_ideal_prior(const models::TiedPrototypeHeadImpl& head,
                                   const at::Tensor& cosines, const at::Tensor& foreground_counts,
                                   int64_t size, bool reference) {
  torch::NoGradGuard no_grad;
  // The reference upsamples distances, not cosines: d = sqrt(2 (1 - cos) + eps).
  const double eps = std::numeric_limits<float>::epsilon();
  const at::Tensor distances = (2.0 * (1.0 - cosines) + eps).sqrt();
  const at::Tensor up = models::upsample_aligned(distances, size, size);
  const at::Tensor ratio =
      torch::sigmoid(log_background_ratio(head, -0.5 * up * up)).flatten(1);  // [D, P]
  return ideal_score_threshold(
      ratio, foreground_counts,
      reference ? IdealBoundary::kReferenceAtCount : IdealBoundary::kMidpoint);
}

at::Tensor multi_class_oracle_prior(const models::TiedPrototypeHeadImpl& head,
                                    const at::Tensor& cosines, const at::Tensor& foreground_counts,
                                    int64_t image_pixels) {
  torch::NoGradGuard no_grad;
  const at::Tensor ratio = torch::sigmoid(log_background_ratio(head, cosines - 1.0)).flatten(1);
  const int64_t feature_pixels = ratio.size(1);
  // int(count * h * w / (H * W)), as the reference's int(cnt * 32**2 / 65536).
  const at::Tensor scaled =
      (foreground_counts.to(torch::kDouble) * static_cast<double>(feature_pixels) /
       static_cast<double>(image_pixels))
          .floor()
          .to(torch::kLong);
  return ideal_score_threshold(ratio, scaled, IdealBoundary::kReferenceAtCount);
}

}  // namespace protoseg::eval
