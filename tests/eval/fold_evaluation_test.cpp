#include "protoseg/eval/fold_evaluation.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include "protoseg/io/volume_io.h"
#include "real_supervoxels.h"

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
  }
  data::DatasetConfig config_;
  FoldEvaluationOptions options_;
};

TEST_F(FoldEvaluationRealDataTest, FollowsTheProtocolOnRealVolumes) {
  const data::VolumeDataset dataset(config_);
  models::FewShotSegmenter model(models::FewShotEncoderOptions().depth(18).output_stride(32),
                                 models::TiedPrototypeHeadOptions());
  const auto results = evaluate_fold(*model, dataset, 0, options_);
  ASSERT_EQ(results.size(), 4u);  // one query volume, four organs
  const at::Tensor support_labels = io::read_label_map(dataset.label_path(1)).data;
  for (const auto& r : results) {
    EXPECT_EQ(r.support_id, 2);
    EXPECT_EQ(r.query_id, 1);
    EXPECT_GE(r.ce_t, 0.0);
    EXPECT_LE(r.ce_t, 1.0);
    EXPECT_GE(r.avg_est, 0.0);
    EXPECT_LE(r.avg_est, 1.0);
    // The support slice is the middle one of the slices that hold the organ.
    const at::Tensor slices = support_labels.eq(r.label).sum({1, 2}).gt(0).nonzero().flatten();
    EXPECT_EQ(r.support_slice, slices[slices.numel() / 2].item<int64_t>()) << r.organ;
  }
  // No randomness in evaluation: the same numbers again.
  const auto again = evaluate_fold(*model, dataset, 0, options_);
  for (size_t i = 0; i < results.size(); ++i) EXPECT_EQ(results[i].ce_t, again[i].ce_t);
}

TEST_F(FoldEvaluationRealDataTest, SupportWithoutTheOrganIsNamed) {
  config_.labels["pancreas"] = 9;
  const data::VolumeDataset dataset(config_);
  models::FewShotSegmenter model(models::FewShotEncoderOptions().depth(18).output_stride(32),
                                 models::TiedPrototypeHeadOptions());
  try {
    evaluate_fold(*model, dataset, 0, options_);
    FAIL() << "expected an error";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("image_2.nii.gz: support volume has no 'pancreas'"),
              std::string::npos)
        << e.what();
  }
}

}  // namespace
}  // namespace protoseg::eval
