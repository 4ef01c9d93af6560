#include "protoseg/eval/binary_predictor.h"

#include <torch/torch.h>

#include "protoseg/eval/ideal_threshold.h"
#include "protoseg/models/prototype_ops.h"

namespace protoseg::eval {
namespace {

// A prior given as a scalar or one value per slice, shaped to broadcast over [D, h, w].
at::Tensor per_slice(const at::Tensor& prior, int64_t slices, const at::TensorOptions& options) {
  const at::Tensor p = prior.to(options);
  TORCH_CHECK(p.numel() == 1 || p.numel() == slices, "a prior must be a scalar or one per slice (",
              slices, "), got ", p.sizes());
  return p.numel() == 1 ? p.reshape({1, 1, 1}) : p.reshape({slices, 1, 1});
}

at::Tensor true_counts(const at::Tensor& true_masks) { return true_masks.gt(0).flatten(1).sum(1); }

}  // namespace

BinaryPredictor::BinaryPredictor(const models::TiedPrototypeHeadImpl& head,
                                 const SupportPrototypes& support, at::Tensor query_features,
                                 int64_t image_size)
    : head_(head), support_(support), image_size_(image_size) {
  TORCH_CHECK(query_features.dim() == 4, "query features must be [D,C,h,w], got ",
              query_features.sizes());
  torch::NoGradGuard no_grad;
  const at::Tensor features = query_features.to(torch::kFloat);
  const int64_t slices = features.size(0);
  single_cosine_ = models::prototype_cosine(
      features, support.prototype.to(features.options()).expand({slices, -1}));
  if (support.mixture.means.defined()) mixture_cosine_ = mixture_cosines(features, support.mixture);
}

void BinaryPredictor::require_mixture() const {
  TORCH_CHECK(mixture_cosine_.defined(),
              "multi-prototype inference needs a support mixture; it was fitted with 0 components");
}

at::Tensor BinaryPredictor::upsample(const at::Tensor& grid) const {
  const bool add_channel = grid.dim() == 3;
  const at::Tensor batch = add_channel ? grid.unsqueeze(1) : grid;
  const at::Tensor up = models::upsample_aligned(batch, image_size_, image_size_);
  return add_channel ? up.squeeze(1) : up;
}

at::Tensor BinaryPredictor::predict(bool multi_prototype, const at::Tensor& prior) const {
  return probability(multi_prototype, prior).gt(0.5);
}

at::Tensor BinaryPredictor::probability(bool multi_prototype, const at::Tensor& prior) const {
  torch::NoGradGuard no_grad;
  const int64_t slices = single_cosine_.size(0);
  const at::Tensor p = per_slice(prior, slices, single_cosine_.options());
  at::Tensor foreground;
  if (multi_prototype) {
    require_mixture();
    foreground = mixture_foreground_probability(mixture_cosine_, support_.mixture.weights,
                                                head_.sigma_foreground, head_.sigma_background, p,
                                                head_.options.feature_dim());
  } else {
    foreground =
        head_.foreground_probability(head_.anomaly_score(single_cosine_), head_.threshold(0.5), p);
  }
  return upsample(foreground);
}

at::Tensor BinaryPredictor::background_ratio(const at::Tensor& cosines) const {
  const double d = head_.options.feature_dim();
  const at::Tensor& w = support_.mixture.weights;
  return torch::sigmoid(mixture_log_density(cosines, w, head_.sigma_background, d) -
                        mixture_log_density(cosines, w, head_.sigma_foreground, d));
}

at::Tensor BinaryPredictor::score_map(bool multi_prototype) const {
  torch::NoGradGuard no_grad;
  if (!multi_prototype) return upsample(models::sphere_distance(single_cosine_));
  require_mixture();
  return background_ratio(upsample(mixture_cosine_));  // cosines upsampled: [D, K, S, S]
}

at::Tensor BinaryPredictor::ideal_priors(bool multi_prototype, const at::Tensor& true_masks,
                                         bool reference_off_by_one) const {
  torch::NoGradGuard no_grad;
  // The reference's five-prototype analysis upsamples the ratio itself (its OCP_MP, like
  // score_map, the cosines).
  if (multi_prototype) require_mixture();
  const at::Tensor scores = reference_off_by_one && multi_prototype
                                ? upsample(background_ratio(mixture_cosine_)).flatten(1)
                                : score_map(multi_prototype).flatten(1);
  // The reference's analysis: the off-by-one midpoint of distances for one prototype, the
  // ratio at the count itself for five.
  const IdealBoundary boundary = !reference_off_by_one ? IdealBoundary::kMidpoint
                                 : multi_prototype     ? IdealBoundary::kReferenceAtCount
                                                       : IdealBoundary::kReferenceOffByOne;
  const at::Tensor threshold =
      ideal_score_threshold(scores, true_counts(true_masks), boundary).to(torch::kDouble);
  const at::Tensor prior =
      multi_prototype ? threshold
                      : models::ideal_class_prior(
                            threshold, head_.sigma_foreground.to(torch::kDouble),
                            head_.sigma_background.to(torch::kDouble), head_.options.feature_dim());
  return torch::where(threshold.isfinite(), prior, torch::full_like(prior, std::nan("")));
}

at::Tensor BinaryPredictor::predict_oracle(bool multi_prototype, const at::Tensor& true_masks,
                                           bool reference_off_by_one) const {
  torch::NoGradGuard no_grad;
  const at::Tensor scores = score_map(multi_prototype);
  const at::Tensor threshold = ideal_score_threshold(
      scores.flatten(1), true_counts(true_masks).to(scores.device()),
      reference_off_by_one ? IdealBoundary::kReferenceOffByOne : IdealBoundary::kMidpoint);
  return scores.lt(threshold.reshape({-1, 1, 1}));
}

}  // namespace protoseg::eval
