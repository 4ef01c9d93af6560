#include "protoseg/eval/fold_evaluation.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include "expect_error.h"
#include "protoseg/io/volume_io.h"
#include "protoseg/models/few_shot_segmenter.h"
#include "real_supervoxels.h"
#include "test_paths.h"

namespace protoseg::eval {
namespace {

class FoldEvaluationRealDataTest : public ::testing::Test {
 protected:
  void SetUp() override {
    torch::manual_seed(0);
    config_ = testing::abd_mri_with_supervoxels();
    config_.folds = {{0, 1}};  // support: id 2 (the fold's last volume), query: id 1
    options_.image_size = 128;
    options_.batch_size = 16;
    priors_.average_multi = 0.2;
    priors_.linear_single = {-1.5, 2.0, 5.0, 100};
    priors_.linear_multi = {-1.0, 1.0, 3.0, 100};
    options_.priors = &priors_;
    model_->eval();
    encoder_ = [this](const at::Tensor& images) {
      ++encoder_calls_;
      encoded_slices_ += images.size(0);
      torch::NoGradGuard no_grad;
      return model_->encoder->forward(images);
    };
  }
  int64_t organ_slice(int64_t volume, int label, double position) const {
    const at::Tensor labels =
        io::read_label_map(data::VolumeDataset(config_).label_path(static_cast<size_t>(volume)))
            .data;
    const at::Tensor slices = labels.eq(label).sum({1, 2}).gt(0).nonzero().flatten();
    return slices[static_cast<int64_t>(position * static_cast<double>(slices.numel()))]
        .item<int64_t>();
  }
  data::DatasetConfig config_;
  FoldEvaluationOptions options_;
  TrainingPriors priors_;
  models::FewShotSegmenter model_{models::FewShotEncoderOptions().depth(18).output_stride(32),
                                  models::TiedPrototypeHeadOptions()};
  SliceEncoder encoder_;
  int encoder_calls_ = 0;
  int64_t encoded_slices_ = 0;
};

TEST_F(FoldEvaluationRealDataTest, EncodesEachVolumeOnceForAllOrgansAndMethods) {
  const data::VolumeDataset dataset(config_);
  const auto records = evaluate_fold(*model_->head, encoder_, dataset, 0, options_);
  ASSERT_EQ(records.size(), 4u * 8u);  // one query volume, four organs, eight methods
  const int64_t query_depth = io::read_volume(dataset.image_path(0)).data.size(0);
  // One call for the four support slices, then the query volume in batches of 16.
  EXPECT_EQ(encoder_calls_, 1 + (query_depth + 15) / 16);
  EXPECT_EQ(encoded_slices_, 4 + query_depth);
  for (const auto& r : records) {
    EXPECT_EQ(r.support_id, 2);
    EXPECT_EQ(r.query_id, 1);
    EXPECT_GE(r.dice, 0.0);
    EXPECT_LE(r.dice, 1.0);
    // The support slice is the middle one of the slices that hold the organ.
    ASSERT_EQ(r.support_slices.size(), 1u);
    EXPECT_EQ(r.support_slices[0], organ_slice(1, r.label, 0.5)) << r.organ;
    if (r.method == "OCP" || r.method == "OCP_MP") {
      // The oracle labels as many pixels (at network size) as the truth has, per slice: the
      // volume's count is close to the true count.
      EXPECT_NEAR(static_cast<double>(r.predicted_voxels), static_cast<double>(r.true_voxels),
                  0.1 * static_cast<double>(r.true_voxels) + 200)
          << r.organ;
    }
  }
  // No randomness in evaluation: the same numbers again.
  const auto again = evaluate_fold(*model_->head, encoder_, dataset, 0, options_);
  for (size_t i = 0; i < records.size(); ++i) EXPECT_EQ(records[i].dice, again[i].dice);
}

TEST_F(FoldEvaluationRealDataTest, ProtocolOneScoresOrganSlicesInThreeChunks) {
  options_.protocol = Protocol::kEP1;
  options_.methods = {{PriorRule::kCeT, false}, {PriorRule::kOracle, true}};
  const data::VolumeDataset dataset(config_);
  const auto records = evaluate_fold(*model_->head, encoder_, dataset, 0, options_);
  ASSERT_EQ(records.size(), 4u * 2u);
  const at::Tensor query_labels = io::read_label_map(dataset.label_path(0)).data;
  for (const auto& r : records) {
    ASSERT_EQ(r.support_slices.size(), 3u);
    EXPECT_EQ(r.support_slices[0], organ_slice(1, r.label, 1.0 / 6.0));
    EXPECT_EQ(r.support_slices[1], organ_slice(1, r.label, 0.5));
    EXPECT_EQ(r.support_slices[2], organ_slice(1, r.label, 5.0 / 6.0));
    EXPECT_EQ(r.true_voxels, query_labels.eq(r.label).sum().item<int64_t>());
  }
}

TEST_F(FoldEvaluationRealDataTest, MissingPriorsAndOrgansAreNamed) {
  const data::VolumeDataset dataset(config_);
  options_.priors = nullptr;
  options_.methods = {{PriorRule::kLinEst, false}};
  testing::expect_error<std::invalid_argument>(
      [&] { evaluate_fold(*model_->head, encoder_, dataset, 0, options_); },
      "LinEst needs the prior analysis");
  options_.methods = {{PriorRule::kCeT, false}};
  config_.labels["pancreas"] = 9;
  const data::VolumeDataset with_pancreas(config_);
  testing::expect_error<std::runtime_error>(
      [&] { evaluate_fold(*model_->head, encoder_, with_pancreas, 0, options_); },
      "image_2.nii.gz: support volume has no 'pancreas'");
}

// ABD-CT: evaluation on a real Synapse volume (organ labels 6, 2, 3, 1 from the dataset file),
// and a label map on another grid named as the error.
TEST(FoldEvaluationCtRealDataTest, EvaluatesSynapseCtAndNamesALabelGridMismatch) {
  torch::manual_seed(0);
  data::DatasetConfig config = testing::abd_ct_with_supervoxels();
  config.folds = {{0, 1}};  // support: id 1, query: id 0
  models::FewShotSegmenter model(models::FewShotEncoderOptions().depth(18).output_stride(32),
                                 models::TiedPrototypeHeadOptions());
  model->eval();
  const SliceEncoder encoder = [&](const at::Tensor& images) {
    torch::NoGradGuard no_grad;
    return model->encoder->forward(images);
  };
  FoldEvaluationOptions options;
  options.image_size = 128;
  options.batch_size = 32;
  options.methods = {{PriorRule::kCeT, false}, {PriorRule::kOracle, false}};
  const auto records =
      evaluate_fold(*model->head, encoder, data::VolumeDataset(config), 0, options);
  ASSERT_EQ(records.size(), 4u * 2u);
  for (const auto& r : records) {
    EXPECT_EQ(r.query_id, 0);
    EXPECT_EQ(r.support_id, 1);
    EXPECT_GT(r.true_voxels, 0) << r.organ;
    EXPECT_EQ(r.label, config.labels.at(r.organ));
  }
  // A label map whose grid differs from its image (label_1 paired with image_0).
  const auto root = testing::fresh_temp_dir("ct_mismatch");
  std::filesystem::create_symlink(config.root / "image_0.nii", root / "image_0.nii");
  std::filesystem::create_symlink(config.root / "label_1.nii", root / "label_0.nii");
  std::filesystem::create_symlink(config.root / "image_1.nii", root / "image_1.nii");
  std::filesystem::create_symlink(config.root / "label_1.nii", root / "label_1.nii");
  config.root = root;
  testing::expect_error<std::runtime_error>(
      [&] { evaluate_fold(*model->head, encoder, data::VolumeDataset(config), 0, options); },
      "label_0.nii: label grid", "differs in size from image");
}

}  // namespace
}  // namespace protoseg::eval
