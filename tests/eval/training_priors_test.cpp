#include "protoseg/eval/training_priors.h"

#include <cmath>
#include <fstream>

#include <gtest/gtest.h>
#include <torch/torch.h>

#include "expect_error.h"
#include "protoseg/models/few_shot_segmenter.h"
#include "real_supervoxels.h"
#include "test_paths.h"

namespace protoseg::eval {
namespace {

// A small encoder and the real ABD-MRI supervoxel episodes (64 x 64) of fold 0's training volumes.
class TrainingPriorsRealDataTest : public ::testing::Test {
 protected:
  void SetUp() override {
    torch::manual_seed(0);
    model_->eval();
    episode_options_.image_size = 64;
  }
  data::SupervoxelEpisodeSampler sampler() const {
    return {dataset_, dataset_.training_indices(0), episode_options_, 7};
  }
  TrainingPriors analyze(const data::SupervoxelEpisodeSampler& sampler,
                         const PriorAnalysisOptions& options) const {
    return analyze_training_priors(*model_->head, encoder_, sampler, options);
  }
  const data::VolumeDataset dataset_{testing::abd_mri_with_supervoxels()};
  data::SupervoxelEpisodeOptions episode_options_;
  models::FewShotSegmenter model_{models::FewShotEncoderOptions().depth(18).output_stride(32),
                                  models::TiedPrototypeHeadOptions()};
  const SliceEncoder encoder_ =
      make_slice_encoder(model_->encoder, c10::kCPU, core::Precision::kFloat32);
};

TEST_F(TrainingPriorsRealDataTest, AnalysisRecordsEachTrainingQueryAndFitsTheEstimators) {
  const data::SupervoxelEpisodeSampler sampler = this->sampler();
  PriorAnalysisOptions options;
  options.episodes = 10;
  options.batch_size = 4;  // batches of 4, 4 and 2 episodes
  for (bool compat : {false, true}) {
    options.reference_compat = compat;
    const TrainingPriors priors = analyze(sampler, options);
    ASSERT_EQ(priors.samples.size(), 10u);
    EXPECT_EQ(priors.episodes, 10);
    double sum = 0.0;
    for (size_t i = 0; i < priors.samples.size(); ++i) {
      const PriorSample& s = priors.samples[i];
      const data::Episode e = sampler.sample(static_cast<int64_t>(i));
      EXPECT_EQ(s.episode, static_cast<int64_t>(i));
      const double location = compat ? slice_location(e.support_rank, e.volume_depth)
                                     : slice_location(e.query_slice, e.volume_depth);
      EXPECT_DOUBLE_EQ(s.location, location);
      EXPECT_NEAR(s.support_fraction, e.support_mask.mean().item<double>(), 1e-12);
      ASSERT_TRUE(std::isfinite(s.prior_single) && std::isfinite(s.prior_multi));
      EXPECT_GT(s.prior_single, 0.0);
      EXPECT_LT(s.prior_multi, 1.0);
      sum += s.prior_multi;
    }
    EXPECT_NEAR(priors.average_multi, sum / 10.0, 1e-12);
    EXPECT_EQ(priors.linear_single.samples, 10);

    const auto file = testing::fresh_temp_dir("training_priors") / "priors.json";
    write_training_priors(priors, file);
    const TrainingPriors read = read_training_priors(file);
    EXPECT_DOUBLE_EQ(read.average_single, priors.average_single);
    EXPECT_DOUBLE_EQ(read.linear_multi.size_coef, priors.linear_multi.size_coef);
    EXPECT_EQ(read.reference_compat, compat);
    EXPECT_TRUE(std::filesystem::exists(file.parent_path() / "priors.csv"));
  }
}

TEST_F(TrainingPriorsRealDataTest, MultiClassAnalysisUsesEveryStructureOfTheEpisode) {
  episode_options_.min_support_pixels = 20;  // small slices: keep several structures
  episode_options_.max_foregrounds = 5;
  const data::SupervoxelEpisodeSampler sampler = this->sampler();
  PriorAnalysisOptions options;
  options.episodes = 12;
  options.multi_class = true;
  const TrainingPriors priors = analyze(sampler, options);
  EXPECT_TRUE(priors.multi_class);
  int several = 0;
  for (size_t i = 0; i < priors.samples.size(); ++i) {
    const PriorSample& s = priors.samples[i];
    const data::Episode e = sampler.sample(static_cast<int64_t>(i));
    several += e.foreground_count > 1;
    EXPECT_NEAR(s.support_fraction_total,
                e.support_labels.gt(0).to(torch::kFloat).mean().item<double>(), 1e-9);
    EXPECT_GE(s.support_fraction_total, s.support_fraction);
    ASSERT_EQ(s.classes, e.foreground_count);
    ASSERT_EQ(s.support_fractions.size(), static_cast<size_t>(s.classes));
    double total = 0.0;
    for (double f : s.support_fractions) total += f;
    EXPECT_NEAR(total, s.support_fraction_total, 1e-9);
    ASSERT_TRUE(std::isfinite(s.prior_multi_class));
    EXPECT_GT(s.prior_multi_class, 0.0);
    EXPECT_LT(s.prior_multi_class, 1.0);
  }
  EXPECT_GT(several, 0);
  const auto file = testing::fresh_temp_dir("training_priors_mc") / "priors.json";
  write_training_priors(priors, file);
  const TrainingPriors read = read_training_priors(file);
  EXPECT_TRUE(read.multi_class);
  EXPECT_DOUBLE_EQ(read.average_multi_class, priors.average_multi_class);
  EXPECT_DOUBLE_EQ(read.linear_multi_class.foreground_bias,
                   priors.linear_multi_class.foreground_bias);
  EXPECT_EQ(read.linear_multi_class.foreground_weight, priors.linear_multi_class.foreground_weight);
  EXPECT_EQ(read.linear_multi_class.background_weight, priors.linear_multi_class.background_weight);
  EXPECT_EQ(read.linear_multi_class.samples, priors.linear_multi_class.samples);
}

// The reference divides the support's rank among the structure's slices by the volume's depth
// minus one (support_idx / (support_len - 1)), not by the structure's slice count.
TEST(TrainingPriorsTest, LocationOfATrainingEpisode) {
  data::Episode e;
  e.support_slice = 14;
  e.query_slice = 15;
  e.support_rank = 3;
  e.label_slice_count = 5;
  e.volume_depth = 31;
  EXPECT_DOUBLE_EQ(prior_location(e, /*reference_compat=*/true), 3.0 / 30.0);
  EXPECT_DOUBLE_EQ(prior_location(e, /*reference_compat=*/false), 15.0 / 30.0);
}

TEST(TrainingPriorsTest, MalformedFilesAreNamed) {
  const auto dir = testing::fresh_temp_dir("training_priors_bad");
  EXPECT_THROW(read_training_priors(dir / "missing.json"), std::runtime_error);
  std::ofstream(dir / "bad.json") << "{\"format\": 2, \"average_single\": 0.1}";
  testing::expect_error<std::runtime_error>([&] { read_training_priors(dir / "bad.json"); },
                                            "bad.json: malformed prior analysis file");
  // A file of the format before the multi-class Linear(2, 2) fit asks for a rerun.
  std::ofstream(dir / "old.json") << "{\"average_single\": 0.1}";
  testing::expect_error<std::runtime_error>([&] { read_training_priors(dir / "old.json"); },
                                            "old.json: prior analysis of an older protoseg");
}

}  // namespace
}  // namespace protoseg::eval
