#include "protoseg/eval/multi_class_evaluation.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <set>

#include <gtest/gtest.h>
#include <torch/torch.h>

#include "protoseg/config/load_config.h"
#include "protoseg/io/volume_io.h"
#include "protoseg/models/few_shot_segmenter.h"
#include "real_supervoxels.h"
#include "test_paths.h"

namespace protoseg::eval {
namespace {

// An untrained ResNet-18 (output stride 32) segmenter and its encoder, in eval mode: fast
// enough to run whole folds of real volumes.
struct UntrainedModel {
  models::FewShotSegmenter segmenter{models::FewShotEncoderOptions().depth(18).output_stride(32),
                                     models::TiedPrototypeHeadOptions()};
  SliceEncoder encoder;
  UntrainedModel() {
    segmenter->eval();
    auto model = segmenter;
    encoder = [model](const at::Tensor& images) mutable {
      torch::NoGradGuard no_grad;
      return model->encoder->forward(images);
    };
  }
};

TEST(MultiClassSupportSliceTest, MostClassesThenRandomOrMostBalanced) {
  at::Tensor labels = torch::zeros({4, 10, 10}, torch::kLong);
  labels[0].slice(0, 0, 5).fill_(1);  // 2 classes
  labels[1].slice(0, 0, 1).fill_(1);  // 3 classes, unbalanced
  labels[1].slice(0, 1, 2).fill_(2);
  labels[2].slice(0, 0, 3).fill_(1);  // 3 classes, balanced
  labels[2].slice(0, 3, 6).fill_(2);
  labels[3].fill_(7);  // a label not asked for
  EXPECT_EQ(slices_with_most_classes(labels, {1, 2}), (std::vector<int64_t>{1, 2}));
  EXPECT_EQ(multi_class_support_slice(labels, {1, 2}, /*balanced=*/true, 0), 2);
  EXPECT_EQ(multi_class_support_slice(labels, {1}, /*balanced=*/true, 0), 0);  // 50/50
  // The reference's `rand`: any of the slices with the most classes, fixed by the seed.
  std::set<int64_t> drawn;
  for (uint64_t seed = 0; seed < 40; ++seed) {
    const int64_t z = multi_class_support_slice(labels, {1, 2}, /*balanced=*/false, seed);
    EXPECT_EQ(z, multi_class_support_slice(labels, {1, 2}, false, seed));
    drawn.insert(z);
  }
  EXPECT_EQ(drawn, (std::set<int64_t>{1, 2}));
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
  priors.linear_multi_class = {{-1.0, 4.0}, 0.5, {0.2, -0.3}, 100};
  FoldEvaluationOptions options;
  options.priors = &priors;
  options.image_size = 128;
  options.batch_size = 16;
  // How many organs claim each voxel (CE-T), per (support, query) turn.
  std::map<std::string, at::Tensor> coverage;
  int observed = 0;
  const PredictionObserver observer = [&](const PredictionView& view) {
    if (view.method != "CE-T") return;
    const std::string turn = std::to_string(view.query_id) + "/" + std::to_string(observed++ / 4);
    const at::Tensor p = view.prediction.to(torch::kInt);
    coverage[turn] = coverage.count(turn) ? coverage[turn] + p : p;
  };
  const auto records =
      evaluate_fold_multi_class(*model->head, encoder, dataset, 0, options, observer);
  // Two turns (each volume is the support once, the other the query), four organs, five rules.
  ASSERT_EQ(records.size(), 2u * 4u * 5u);
  const int64_t depth_1 = io::read_volume(dataset.image_path(0)).data.size(0);
  const int64_t depth_2 = io::read_volume(dataset.image_path(1)).data.size(0);
  EXPECT_EQ(calls, (depth_1 + 15) / 16 + (depth_2 + 15) / 16);  // each volume encoded once
  EXPECT_EQ(slices, depth_1 + depth_2);
  std::set<std::pair<int, int>> turns;
  for (const auto& r : records) {
    turns.insert({r.support_id, r.query_id});
    ASSERT_EQ(r.support_slices.size(), 1u);
    const at::Tensor support_labels =
        io::read_label_map(dataset.label_path(r.support_id == 1 ? 0 : 1)).data;
    const at::Tensor slice = support_labels[r.support_slices[0]];
    for (int label : {1, 2, 3, 4}) EXPECT_GT(slice.eq(label).sum().item<int64_t>(), 0);
    EXPECT_GE(r.dice, 0.0);
    EXPECT_LE(r.dice, 1.0);
  }
  EXPECT_EQ(turns, (std::set<std::pair<int, int>>{{2, 1}, {1, 2}}));
  // Without multi-class priors, AvgEst and LinEst cannot run; the other rules need none.
  priors.multi_class = false;
  EXPECT_THROW(evaluate_fold_multi_class(*model->head, encoder, dataset, 0, options),
               std::invalid_argument);
  options.priors = nullptr;
  const auto without_priors = evaluate_fold_multi_class(*model->head, encoder, dataset, 0, options,
                                                        {}, parse_multi_class_rules("ADNet++,OCP"));
  ASSERT_EQ(without_priors.size(), 2u * 4u * 2u);  // two turns, four organs, two rules
  for (const auto& r : without_priors) {
    const auto same = std::find_if(records.begin(), records.end(), [&](const DiceRecord& other) {
      return other.method == r.method && other.organ == r.organ &&
             other.support_id == r.support_id && other.query_id == r.query_id;
    });
    ASSERT_NE(same, records.end()) << r.method;
    EXPECT_DOUBLE_EQ(r.dice, same->dice) << r.method << " " << r.organ;
  }
  // Each voxel gets one class: the organs' predictions never overlap.
  ASSERT_EQ(coverage.size(), 2u);
  for (const auto& [turn, claims] : coverage) EXPECT_LE(claims.max().item<int>(), 1) << turn;
}

// ABD-MRI id 32 has no slice showing all four organs: as in the reference, the organ missing
// from the chosen slice gets an empty mask (a zero prototype) and the turn still scores every
// organ.
TEST(MultiClassEvaluationRealDataTest, SupportWithoutASliceShowingEveryOrgan) {
  torch::manual_seed(0);
  auto config = config::load_config<data::DatasetConfig>(
      testing::source_path("configs/data/abd_mri.yaml"),
      {"root=" + testing::shared_data("abd_mri").string()});
  const std::vector<int> ids = data::VolumeDataset(config).ids();
  const auto index_32 = std::find(ids.begin(), ids.end(), 32) - ids.begin();
  ASSERT_LT(index_32, static_cast<int64_t>(ids.size()));
  config.folds = {{0, static_cast<int>(index_32)}};  // support: id 32, query: id 1
  const data::VolumeDataset dataset(config);
  const UntrainedModel model;
  const SliceEncoder& encoder = model.encoder;
  FoldEvaluationOptions options;
  options.image_size = 64;
  options.batch_size = 64;
  const auto records =
      evaluate_fold_multi_class(*model.segmenter->head, encoder, dataset, 0, options, {},
                                parse_multi_class_rules("ADNet++,CE-T"));
  const at::Tensor labels_32 = io::read_label_map(dataset.label_path(index_32)).data;
  std::set<std::string> organs_scored;
  for (const auto& r : records) {
    if (r.support_id != 32) continue;
    organs_scored.insert(r.organ);
    const at::Tensor slice = labels_32[r.support_slices[0]];
    int shown = 0;
    for (int label : {1, 2, 3, 4}) shown += slice.eq(label).any().item<bool>();
    EXPECT_EQ(shown, 3) << "z = " << r.support_slices[0];
    EXPECT_GE(r.dice, 0.0);
  }
  EXPECT_EQ(organs_scored.size(), 4u);
}

// The reference's query list (reference_compat): the first n - 2 volumes of the fold in every
// turn, the support itself included; ours: every other fold volume.
TEST(MultiClassEvaluationRealDataTest, QueriesOfEachTurn) {
  torch::manual_seed(0);
  auto config = testing::abd_mri_with_supervoxels();
  config.folds = {{0, 1, 2}};  // ids 1, 2, 3
  const data::VolumeDataset dataset(config);
  const UntrainedModel model;
  const SliceEncoder& encoder = model.encoder;
  FoldEvaluationOptions options;
  options.image_size = 64;
  options.batch_size = 64;
  const auto rules = parse_multi_class_rules("ADNet++");
  std::set<std::pair<int, int>> ours, reference;
  for (const auto& r :
       evaluate_fold_multi_class(*model.segmenter->head, encoder, dataset, 0, options, {}, rules)) {
    ours.insert({r.support_id, r.query_id});
  }
  options.reference_compat = true;
  for (const auto& r :
       evaluate_fold_multi_class(*model.segmenter->head, encoder, dataset, 0, options, {}, rules)) {
    reference.insert({r.support_id, r.query_id});
  }
  EXPECT_EQ(ours, (std::set<std::pair<int, int>>{{1, 2}, {1, 3}, {2, 1}, {2, 3}, {3, 1}, {3, 2}}));
  EXPECT_EQ(reference, (std::set<std::pair<int, int>>{{1, 1}, {2, 1}, {3, 1}}));
}

}  // namespace
}  // namespace protoseg::eval
