#include "protoseg/models/few_shot_segmenter.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include "protoseg/core/precision.h"
#include "protoseg/models/prototype_ops.h"
#include "protoseg/train/episode_objective.h"

namespace protoseg::models {
namespace {

class FewShotSegmenterTest : public ::testing::Test {
 protected:
  void SetUp() override { torch::manual_seed(0); }
};

TEST_F(FewShotSegmenterTest, ShapesFollowTheOutputStride) {
  FewShotEncoder encoder(FewShotEncoderOptions().depth(50).output_stride(8));
  const at::Tensor features = encoder(torch::randn({2, 1, 64, 64}));
  EXPECT_EQ(features.sizes(), (std::vector<int64_t>{2, 256, 8, 8}));
  EXPECT_EQ(encoder->projection->options.bias(), false);
}

TEST_F(FewShotSegmenterTest, InputNormalisationIsAppliedPerChannel) {
  FewShotEncoder plain(FewShotEncoderOptions().depth(18).output_stride(32));
  FewShotEncoder normalised(FewShotEncoderOptions()
                                .depth(18)
                                .output_stride(32)
                                .input_mean({1.0, 2.0, 3.0})
                                .input_std({2.0, 4.0, 8.0}));
  torch::NoGradGuard no_grad;
  for (size_t i = 0; i < plain->parameters().size(); ++i) {
    normalised->parameters()[i].copy_(plain->parameters()[i]);
  }
  plain->eval();
  normalised->eval();
  const at::Tensor gray = torch::randn({1, 1, 64, 64});
  const at::Tensor rgb = torch::cat({(gray - 1) / 2, (gray - 2) / 4, (gray - 3) / 8}, 1);
  EXPECT_TRUE(torch::allclose(normalised(gray), plain(rgb), 1e-4, 1e-5));
  EXPECT_THROW(FewShotEncoder(FewShotEncoderOptions().input_mean({1.0})), c10::Error);
}

TEST_F(FewShotSegmenterTest, EveryTrainableParameterReceivesGradient) {
  for (auto parameterization :
       {ThresholdParameterization::kSoftplus, ThresholdParameterization::kDirect}) {
    FewShotSegmenter model(FewShotEncoderOptions().depth(18).output_stride(32),
                           TiedPrototypeHeadOptions().parameterization(parameterization));
    model->train();
    train::EpisodeBatch batch;
    batch.support_images = torch::randn({1, 1, 96, 96});
    batch.query_images = torch::randn({1, 1, 96, 96});
    batch.support_masks = torch::zeros({1, 96, 96});
    batch.support_masks.slice(1, 20, 70).slice(2, 30, 80).fill_(1.0f);
    batch.query_labels = torch::zeros({1, 96, 96}, torch::kLong);
    batch.query_labels.slice(1, 25, 75).slice(2, 30, 70).fill_(1);
    train::LossConfig loss;
    loss.threshold_weight = 1.0;
    const train::EpisodeLosses losses = train::episode_losses(*model, batch, loss);
    ASSERT_TRUE(torch::isfinite(losses.total).item<bool>());
    losses.total.backward();
    for (const auto& p : model->named_parameters()) {
      ASSERT_TRUE(p.value().grad().defined()) << p.key();
      EXPECT_GT(p.value().grad().abs().sum().item<double>(), 0.0) << p.key();
    }
    EXPECT_EQ(losses.query_foreground.sizes(), (std::vector<int64_t>{1, 2, 96, 96}));
  }
}

TEST_F(FewShotSegmenterTest, ProbabilitiesAreTwoClassAndSumToOne) {
  FewShotSegmenter model(FewShotEncoderOptions().depth(18).output_stride(32),
                         TiedPrototypeHeadOptions());
  model->eval();
  torch::NoGradGuard no_grad;
  const at::Tensor mask = torch::zeros({1, 64, 64});
  mask.slice(1, 10, 40).slice(2, 10, 40).fill_(1.0f);
  const FewShotPrediction out =
      model->forward(torch::randn({1, 1, 64, 64}), mask, torch::randn({3, 1, 64, 64}));
  EXPECT_EQ(out.query_probabilities.sizes(), (std::vector<int64_t>{3, 2, 64, 64}));
  EXPECT_TRUE(torch::allclose(out.query_probabilities.sum(1), torch::ones({3, 64, 64})));
  EXPECT_EQ(out.query_foreground.sizes(), (std::vector<int64_t>{3, 1, 2, 2}));
}

TEST_F(FewShotSegmenterTest, OnlyTheEncoderRunsInBf16UnderAutocast) {
  FewShotSegmenter model(FewShotEncoderOptions().depth(18).output_stride(32),
                         TiedPrototypeHeadOptions());
  model->eval();
  torch::NoGradGuard no_grad;
  const at::Tensor mask = torch::zeros({1, 64, 64});
  mask.slice(1, 10, 40).slice(2, 10, 40).fill_(1.0f);
  FewShotPrediction out;
  {
    core::AutocastGuard autocast(torch::kCPU, core::Precision::kBFloat16);
    out = model->forward(torch::randn({1, 1, 64, 64}), mask, torch::randn({1, 1, 64, 64}));
  }
  EXPECT_EQ(out.query_foreground.scalar_type(), torch::kFloat);
  // The prototype is pooled in float32 from the (bf16-computed) features.
  const at::Tensor expected = masked_average_pooling(out.support_features, mask);
  EXPECT_TRUE(torch::allclose(out.prototype, expected, 1e-6, 1e-7))
      << (out.prototype - expected).abs().max().item<float>();
}

}  // namespace
}  // namespace protoseg::models
