#include "protoseg/eval/multi_class_evaluation.h"

#include <algorithm>

#include <gtest/gtest.h>
#include <torch/torch.h>

#include "protoseg/io/volume_io.h"
#include "protoseg/models/few_shot_segmenter.h"
#include "real_supervoxels.h"

namespace protoseg::eval {
namespace {

TEST(MultiClassSupportSliceTest, MostClassesThenMostBalanced) {
  at::Tensor labels = torch::zeros({4, 10, 10}, torch::kLong);
  labels[0].slice(0, 0, 5).fill_(1);  // 2 classes
  labels[1].slice(0, 0, 1).fill_(1);  // 3 classes, unbalanced
  labels[1].slice(0, 1, 2).fill_(2);
  labels[2].slice(0, 0, 3).fill_(1);  // 3 classes, balanced
  labels[2].slice(0, 3, 6).fill_(2);
  labels[3].fill_(7);  // a label not asked for
  EXPECT_EQ(multi_class_support_slice(labels, {1, 2}), 2);
  EXPECT_EQ(multi_class_support_slice(labels, {1}), 0);  // 2 classes, 50/50
}

TEST(MultiClassEvaluationRealDataTest, OneSupportSliceAllOrgansEncodedOnce) {
  torch::manual_seed(0);
  auto config = testing::abd_mri_with_supervoxels();
  config.folds = {{0, 1}};  // support: id 2, query: id 1
  const data::VolumeDataset dataset(config);
  models::FewShotSegmenter model(models::FewShotEncoderOptions().depth(18).output_stride(32),
                                 models::TiedPrototypeHeadOptions());
  model->eval();
  int calls = 0;
  int64_t slices = 0;
  const SliceEncoder encoder = [&](const at::Tensor& images) {
    ++calls;
    slices += images.size(0);
    torch::NoGradGuard no_grad;
    return model->encoder->forward(images);
  };
  TrainingPriors priors;
  priors.multi_class = true;
  priors.average_multi_class = 0.3;
  priors.linear_multi_class = {-1.0, 0.5, 4.0, 100};
  FoldEvaluationOptions options;
  options.priors = &priors;
  options.image_size = 128;
  options.batch_size = 16;
  at::Tensor coverage;  // how many organs claim each voxel (CE-T)
  const PredictionObserver observer = [&](const PredictionView& view) {
    if (view.method != "CE-T") return;
    const at::Tensor p = view.prediction.to(torch::kInt);
    coverage = coverage.defined() ? coverage + p : p;
  };
  const auto records =
      evaluate_fold_multi_class(*model->head, encoder, dataset, 0, options, observer);
  ASSERT_EQ(records.size(), 4u * 5u);  // four organs, ADNet++ / CE-T / AvgEst / LinEst / OCP
  const int64_t depth = io::read_volume(dataset.image_path(0)).data.size(0);
  EXPECT_EQ(calls, 1 + (depth + 15) / 16);
  EXPECT_EQ(slices, 1 + depth);
  const at::Tensor support_labels = io::read_label_map(dataset.label_path(1)).data;
  for (const auto& r : records) {
    ASSERT_EQ(r.support_slices.size(), 1u);
    const at::Tensor slice = support_labels[r.support_slices[0]];
    for (int label : {1, 2, 3, 4}) EXPECT_GT(slice.eq(label).sum().item<int64_t>(), 0);
    EXPECT_GE(r.dice, 0.0);
    EXPECT_LE(r.dice, 1.0);
  }
  // Without multi-class priors, AvgEst and LinEst cannot run; the other rules need none.
  priors.multi_class = false;
  EXPECT_THROW(evaluate_fold_multi_class(*model->head, encoder, dataset, 0, options),
               std::invalid_argument);
  options.priors = nullptr;
  const auto without_priors = evaluate_fold_multi_class(*model->head, encoder, dataset, 0, options,
                                                        {}, parse_multi_class_rules("ADNet++,OCP"));
  ASSERT_EQ(without_priors.size(), 4u * 2u);
  for (const auto& r : without_priors) {
    const auto same = std::find_if(records.begin(), records.end(), [&](const DiceRecord& other) {
      return other.method == r.method && other.organ == r.organ;
    });
    ASSERT_NE(same, records.end()) << r.method;
    EXPECT_DOUBLE_EQ(r.dice, same->dice) << r.method << " " << r.organ;
  }
  // Each voxel gets one class: the organs' predictions never overlap.
  ASSERT_TRUE(coverage.defined());
  EXPECT_LE(coverage.max().item<int>(), 1);
}

}  // namespace
}  // namespace protoseg::eval
