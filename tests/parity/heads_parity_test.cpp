// One training episode of the reference's FewShotSeg (hjk92g/TPM-FSS models/fewshot_anom.py)
// on stored features (fixture_heads.py): prototype, cosines, T_S, posterior, weighted NLL,
// alignment loss, T-loss, gradients, the sigmas' and ideal threshold's EMAs.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include "protoseg/models/few_shot_segmenter.h"
#include "protoseg/models/tied_prototype_head.h"
#include "protoseg/train/episode_objective.h"
#include "reference_fixtures.h"

namespace protoseg::train {
namespace {

using protoseg::testing::max_relative_error;

constexpr double kTolerance = 1e-4;  // fp32, relative

at::Tensor disk_of(const at::Tensor& parameters, int64_t size) {
  return testing::disk_mask(size, parameters[0].item<int64_t>(), parameters[1].item<int64_t>(),
                            parameters[2].item<int64_t>());
}

void expect_close(const std::string& what, const at::Tensor& ours, const at::Tensor& reference,
                  double tolerance = kTolerance, double floor = 1e-6) {
  ASSERT_EQ(ours.numel(), reference.numel()) << what;
  const double error = max_relative_error(ours.reshape(reference.sizes()), reference, floor);
  std::cout << "  " << what << ": max relative error " << error << "\n";
  EXPECT_LT(error, tolerance) << what;
}

void check_variant(const std::string& variant, double threshold_weight) {
  const io::StateDict f = testing::load_reference_tensors("heads_episode.pt");
  // Shared entries have plain keys, per-variant ones are prefixed with the variant.
  auto ref = [&](const std::string& key) { return f.at(f.count(key) ? key : variant + "." + key); };
  torch::manual_seed(0);
  models::FewShotSegmenter model(models::FewShotEncoderOptions().depth(18).output_stride(32),
                                 models::TiedPrototypeHeadOptions());
  const at::Tensor features = f.at("features").clone().requires_grad_(true);
  const at::Tensor support_mask = disk_of(f.at("support_disk"), 256).unsqueeze(0);
  const at::Tensor query_mask = disk_of(f.at("query_disk"), 256).unsqueeze(0);
  const models::FewShotPrediction prediction =
      model->predict(features.slice(0, 0, 1), support_mask, features.slice(0, 1, 2));
  EpisodeBatch batch;
  batch.support_masks = support_mask;
  batch.query_labels = query_mask.to(torch::kLong);
  LossConfig loss;
  loss.threshold_weight = threshold_weight;
  loss.reference_compat = true;  // the reference's (D[n] + D[n+1]) / 2
  const EpisodeLosses out = binary_episode_losses(*model->head, prediction, batch, loss);
  std::cout << variant << ":\n";
  expect_close("prototype", prediction.prototype.detach(), ref("prototype"));
  expect_close("cosine", prediction.query_cosine.detach(), ref("cosine"));
  expect_close("T_S", out.threshold.detach(), ref("T_S"));
  expect_close("posterior", prediction.query_probabilities.detach()[0][1],
               ref("query_foreground_probability"));
  expect_close("query NLL", out.query.detach(), ref("query_loss"));
  expect_close("alignment loss", out.alignment.detach(), ref("align_loss"));
  expect_close("T-loss", (threshold_weight * out.threshold_loss).detach(), ref("t_loss"));
  expect_close("total loss", out.total.detach(), ref("loss"));
  expect_close("ideal threshold", out.ideal_threshold, ref("ideal_threshold"));
  const auto [sigma_f, sigma_b] = models::tied_sigmas(out.threshold.detach(), 20.0, 0.5, 1.0);
  expect_close("sigma_F (implied)", sigma_f, ref("sigma_f_implied"));
  expect_close("sigma_B (implied)", sigma_b, ref("sigma_b_implied"));

  out.total.backward();
  // Gradients are tiny where the posterior saturates: relative to the largest element.
  expect_close("gradient w.r.t. the features", features.grad(), ref("feature_grad"), 1e-3);
  expect_close("gradient w.r.t. pre_T", model->head->threshold_parameter.grad(),
               ref("threshold_grad"), 1e-3);

  model->head->update_statistics(out.threshold, out.ideal_threshold);
  expect_close("sigma_F EMA", model->head->sigma_foreground, ref("sigma_f_ema"));
  expect_close("sigma_B EMA", model->head->sigma_background, ref("sigma_b_ema"));
  expect_close("ideal threshold EMA", model->head->ideal_threshold_ema, ref("ideal_threshold_ema"));
}

TEST(HeadsParityTest, TpmEpisodeMatchesTheReference) { check_variant("tpm", 0.0); }
TEST(HeadsParityTest, AdnetEpisodeMatchesTheReference) { check_variant("adnet", 1.0); }

}  // namespace
}  // namespace protoseg::train
