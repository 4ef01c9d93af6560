#include "protoseg/train/multi_class_objective.h"

#include <cmath>

#include <gtest/gtest.h>
#include <torch/torch.h>

namespace protoseg::train {
namespace {

class MultiClassObjectiveTest : public ::testing::Test {
 protected:
  void SetUp() override {
    torch::manual_seed(5);
    model_ = models::FewShotSegmenter(models::FewShotEncoderOptions().depth(18).output_stride(32),
                                      models::TiedPrototypeHeadOptions());
    batch_.support_images = torch::randn({1, 1, 64, 64});
    batch_.query_images = torch::randn({1, 1, 64, 64});
    batch_.support_labels = torch::zeros({1, 64, 64}, torch::kLong);
    batch_.query_class_labels = torch::zeros({1, 64, 64}, torch::kLong);
    batch_.support_labels.slice(1, 10, 30).slice(2, 10, 30).fill_(1);
    batch_.query_class_labels.slice(1, 12, 32).slice(2, 10, 30).fill_(1);
    batch_.support_labels.slice(1, 40, 60).slice(2, 5, 25).fill_(2);
    batch_.query_class_labels.slice(1, 40, 58).slice(2, 5, 25).fill_(2);
    batch_.support_labels.slice(1, 35, 55).slice(2, 40, 60).fill_(3);
    batch_.query_class_labels.slice(1, 36, 55).slice(2, 40, 62).fill_(3);
  }
  EpisodeBatch binary_batch() const {
    EpisodeBatch b = batch_;
    b.support_labels = batch_.support_labels.eq(1).to(torch::kLong);
    b.query_class_labels = batch_.query_class_labels.eq(1).to(torch::kLong);
    b.support_masks = b.support_labels.to(torch::kFloat);
    b.query_labels = b.query_class_labels;
    b.foreground_count = 1;
    return b;
  }
  models::FewShotSegmenter model_{nullptr};
  EpisodeBatch batch_;
  LossConfig loss_;
};

// With one structure, Eq. 9 with the tied sigmas is Eq. 7: the same objective as binary
// training (query NLL, alignment, T-loss).
TEST_F(MultiClassObjectiveTest, OneStructureIsTheBinaryObjective) {
  model_->eval();  // BatchNorm from running statistics: both passes see the same features
  torch::NoGradGuard no_grad;
  const EpisodeBatch batch = binary_batch();
  const EpisodeLosses binary = episode_losses(*model_, batch, loss_);
  const EpisodeLosses multi = multi_class_episode_losses(*model_, batch, loss_);
  EXPECT_NEAR(multi.query.item<double>(), binary.query.item<double>(), 1e-4);
  EXPECT_NEAR(multi.alignment.item<double>(), binary.alignment.item<double>(), 1e-4);
  EXPECT_NEAR(multi.total.item<double>(), binary.total.item<double>(), 2e-4);
  EXPECT_NEAR(multi.ideal_threshold.item<double>(), binary.ideal_threshold.item<double>(), 1e-5);
  EXPECT_TRUE(torch::allclose(multi.query_foreground, binary.query_foreground, 1e-4, 1e-5));
}

TEST_F(MultiClassObjectiveTest, SeveralStructuresTrainEncoderAndThreshold) {
  batch_.foreground_count = 3;
  batch_.support_masks = batch_.support_labels.eq(1).to(torch::kFloat);
  batch_.query_labels = batch_.query_class_labels.eq(1).to(torch::kLong);
  const EpisodeLosses losses = episode_losses(*model_, batch_, loss_);  // dispatches on K
  ASSERT_TRUE(std::isfinite(losses.total.item<double>()));
  EXPECT_GT(losses.query.item<double>(), 0.0);
  losses.total.backward();
  EXPECT_GT(model_->head->threshold_parameter.grad().abs().item<double>(), 0.0);
  EXPECT_GT(model_->encoder->projection->weight.grad().abs().sum().item<double>(), 0.0);
  const at::Tensor& p = losses.query_foreground;
  EXPECT_TRUE(torch::allclose(p.sum(1), torch::ones({1, 64, 64}), 1e-5, 1e-6));
}

}  // namespace
}  // namespace protoseg::train
