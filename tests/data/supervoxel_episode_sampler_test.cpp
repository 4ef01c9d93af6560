#include "protoseg/data/supervoxel_episode_sampler.h"

#include <map>
#include <thread>

#include <gtest/gtest.h>
#include <torch/torch.h>

#include "expect_error.h"
#include "protoseg/io/volume_io.h"
#include "real_supervoxels.h"
#include "test_paths.h"

namespace protoseg::data {
namespace {

TEST(EpisodeSeedTest, NeighbouringIndicesGiveDifferentSeeds) {
  EXPECT_NE(episode_seed(2021, 0), episode_seed(2021, 1));
  EXPECT_NE(episode_seed(2021, 0), episode_seed(2022, 0));
  EXPECT_EQ(episode_seed(2021, 5), episode_seed(2021, 5));
}

TEST(SupervoxelEpisodeSamplerTest, MissingSupervoxelsNameTheCommandThatMakesThem) {
  DatasetConfig config;
  config.name = "no_supervoxels";
  config.root = testing::shared_data("abd_mri");
  config.supervoxel_root = testing::fresh_temp_dir("empty");
  config.folds = {{0}};
  const VolumeDataset dataset(config);
  testing::expect_error<std::runtime_error>(
      [&] { SupervoxelEpisodeSampler sampler(dataset, {1}, {}, 1); }, "make-supervoxels --dataset",
      "superpix-MIDDLE_2.nii.gz");
}

class SupervoxelEpisodeSamplerRealDataTest : public ::testing::Test {
 protected:
  void SetUp() override { config_ = testing::abd_mri_with_supervoxels(); }
  DatasetConfig config_;
};

TEST_F(SupervoxelEpisodeSamplerRealDataTest, EpisodesSatisfyTheSamplingRules) {
  const VolumeDataset dataset(config_);
  SupervoxelEpisodeOptions options;
  options.augment = false;
  const SupervoxelEpisodeSampler sampler(dataset, dataset.training_indices(0), options, 2021);
  std::map<int64_t, at::Tensor> supervoxels;
  for (size_t i : dataset.training_indices(0)) {
    supervoxels[static_cast<int64_t>(i)] =
        io::read_label_map(dataset.supervoxel_path(i)).data.to(torch::kInt);
  }
  int swapped = 0;
  for (int64_t i = 0; i < 40; ++i) {
    const Episode e = sampler.sample(i);
    ASSERT_EQ(e.support_image.sizes(), (std::vector<int64_t>{256, 256}));
    ASSERT_EQ(e.query_mask.sizes(), (std::vector<int64_t>{256, 256}));
    ASSERT_TRUE(e.volume_index == 1 || e.volume_index == 2) << e.volume_index;
    ASSERT_GT(e.label, 0);
    const at::Tensor& labels = supervoxels.at(e.volume_index);
    // Without augmentation the masks are exactly the supervoxel on each slice.
    EXPECT_TRUE(
        torch::equal(e.support_mask, labels[e.support_slice].eq(e.label).to(torch::kFloat)));
    EXPECT_TRUE(torch::equal(e.query_mask, labels[e.query_slice].eq(e.label).to(torch::kFloat)));
    const auto support_px = e.support_mask.sum().item<int64_t>();
    const auto query_px = e.query_mask.sum().item<int64_t>();
    EXPECT_GT(support_px, 20);
    EXPECT_GT(query_px, 20);
    // The pair is consecutive among the slices where the supervoxel covers > 20 px, and the
    // first of the pair (in slice order) has >= 200 px.
    const int64_t low = std::min(e.support_slice, e.query_slice);
    const int64_t high = std::max(e.support_slice, e.query_slice);
    for (int64_t z = low + 1; z < high; ++z) {
      EXPECT_LE(labels[z].eq(e.label).sum().item<int64_t>(), 20);
    }
    EXPECT_GE(labels[low].eq(e.label).sum().item<int64_t>(), 200);
    swapped += e.support_slice > e.query_slice;
    // Slice locations: the support's rank among the supervoxel's slices.
    EXPECT_EQ(e.volume_depth, labels.size(0));
    const at::Tensor occupied = labels.eq(e.label).sum({1, 2}).gt(20);
    EXPECT_EQ(e.label_slice_count, occupied.sum().item<int64_t>());
    EXPECT_EQ(e.support_rank, occupied.slice(0, 0, e.support_slice).sum().item<int64_t>());
  }
  EXPECT_GT(swapped, 5);
  EXPECT_LT(swapped, 35);
}

TEST_F(SupervoxelEpisodeSamplerRealDataTest, EpisodeDependsOnlyOnSeedAndIndex) {
  const VolumeDataset dataset(config_);
  const SupervoxelEpisodeSampler a(dataset, dataset.training_indices(0), {}, 7);
  const SupervoxelEpisodeSampler b(dataset, dataset.training_indices(0), {}, 7);
  // Another sampler, other threads, other order: same episodes.
  std::vector<Episode> from_threads(6);
  std::vector<std::thread> threads;
  for (int64_t i = 5; i >= 0; --i) {
    threads.emplace_back([&, i] { from_threads[i] = b.sample(i); });
  }
  for (auto& t : threads) t.join();
  for (int64_t i = 0; i < 6; ++i) {
    const Episode e = a.sample(i);
    EXPECT_TRUE(torch::equal(e.query_image, from_threads[i].query_image)) << i;
    EXPECT_TRUE(torch::equal(e.support_mask, from_threads[i].support_mask)) << i;
  }
  EXPECT_FALSE(torch::equal(a.sample(0).query_image, a.sample(1).query_image));
  // Augmentations never touch the volumes the sampler keeps: the same episode twice is equal.
  for (int64_t i = 0; i < 6; ++i) {
    const Episode first = a.sample(i), again = a.sample(i);
    EXPECT_TRUE(torch::equal(first.support_image, again.support_image)) << i;
    EXPECT_TRUE(torch::equal(first.query_image, again.query_image)) << i;
  }
}

TEST_F(SupervoxelEpisodeSamplerRealDataTest, AugmentationKeepsMasksBinaryAndNonEmpty) {
  const VolumeDataset dataset(config_);
  const SupervoxelEpisodeSampler sampler(dataset, dataset.training_indices(0), {}, 3);
  int gamma_on_support = 0, geometric_on_support = 0, different_sides = 0;
  const int count = 60;
  for (int64_t i = 0; i < count; ++i) {
    const Episode e = sampler.sample(i);
    for (const auto& mask : {e.support_mask, e.query_mask}) {
      EXPECT_TRUE(torch::equal(mask, mask.round()));
      EXPECT_GT(mask.sum().item<float>(), 0.0f);
    }
    EXPECT_TRUE(torch::isfinite(e.support_image).all().item<bool>());
    EXPECT_TRUE(e.augmented);
    EXPECT_GE(e.gamma, 0.5);
    EXPECT_LE(e.gamma, 1.5);
    EXPECT_GE(e.zoom, 0.9);
    EXPECT_LE(e.zoom, 1.2);
    EXPECT_GE(e.geometric_draws, 1);
    EXPECT_LE(e.geometric_draws, e.geometric_on_support ? 15 : 5);
    gamma_on_support += e.gamma_on_support;
    geometric_on_support += e.geometric_on_support;
    different_sides += e.gamma_on_support != e.geometric_on_support;
  }
  // Each side gets each transform about half of the time, and the two coins are independent
  // (the reference draws them separately), so the transforms often land on different images.
  EXPECT_GT(gamma_on_support, 15);
  EXPECT_LT(gamma_on_support, 45);
  EXPECT_GT(geometric_on_support, 15);
  EXPECT_LT(geometric_on_support, 45);
  EXPECT_GT(different_sides, 15);
  EXPECT_LT(different_sides, 45);
}

TEST_F(SupervoxelEpisodeSamplerRealDataTest, ImpossibleConstraintsFailAtConstruction) {
  const VolumeDataset dataset(config_);
  SupervoxelEpisodeOptions options;
  options.min_support_pixels = 256 * 256 + 1;
  testing::expect_error<std::runtime_error>(
      [&] { SupervoxelEpisodeSampler sampler(dataset, dataset.training_indices(0), options, 1); },
      "episodes can never be drawn");
}

TEST_F(SupervoxelEpisodeSamplerRealDataTest, MultiForegroundEpisodesShareTheSupportSlice) {
  const VolumeDataset dataset(config_);
  SupervoxelEpisodeOptions options;
  options.augment = false;
  options.max_foregrounds = 5;
  const SupervoxelEpisodeSampler sampler(dataset, dataset.training_indices(0), options, 11);
  std::map<int64_t, at::Tensor> supervoxels;
  for (size_t i : dataset.training_indices(0)) {
    supervoxels[static_cast<int64_t>(i)] =
        io::read_label_map(dataset.supervoxel_path(i)).data.to(torch::kInt);
  }
  int64_t several = 0, fewer_than_qualify = 0;
  for (int64_t i = 0; i < 20; ++i) {
    const Episode e = sampler.sample(i);
    ASSERT_GE(e.foreground_count, 1);
    ASSERT_LE(e.foreground_count, 5);
    several += e.foreground_count > 1;
    const at::Tensor& labels = supervoxels.at(e.volume_index);
    // Every structure is one supervoxel covering >= 200 px of the support slice, the same id
    // on both slices; structure 1 is the episode's label.
    for (int64_t k = 1; k <= e.foreground_count; ++k) {
      const at::Tensor support_k = e.support_labels.eq(k);
      ASSERT_GE(support_k.sum().item<int64_t>(), 200) << "episode " << i << ", " << k;
      const at::Tensor ids = labels[e.support_slice].masked_select(support_k);
      const int id = ids.min().item<int>();
      ASSERT_EQ(ids.max().item<int>(), id);
      if (k == 1) {
        EXPECT_EQ(id, e.label);
      }
      EXPECT_TRUE(torch::equal(support_k, labels[e.support_slice].eq(id)));
      EXPECT_TRUE(torch::equal(e.query_labels.eq(k), labels[e.query_slice].eq(id)));
    }
    EXPECT_TRUE(torch::equal(e.support_labels.eq(1).to(torch::kFloat), e.support_mask));
    EXPECT_EQ(e.support_labels.max().item<int64_t>(), e.foreground_count);
    // Supervoxels that could have joined: each slot tries only 10 of the volume's, so an
    // episode may hold fewer structures than qualify (the reference's max_protos sampling).
    const at::Tensor ids = std::get<0>(at::_unique(labels[e.support_slice]));
    int64_t qualifying = 0;
    for (int64_t j = 0; j < ids.numel(); ++j) {
      const int id = ids[j].item<int>();
      qualifying += id != 0 && labels[e.support_slice].eq(id).sum().item<int64_t>() >= 200;
    }
    fewer_than_qualify += e.foreground_count < std::min<int64_t>(5, qualifying);
  }
  EXPECT_GT(several, 10);
  EXPECT_GT(fewer_than_qualify, 0);
}

// One ABD-CT (Synapse) episode end to end: uint8 NIfTI volumes of 257 x 257 slices at their
// own spacing, n_sv 2000 supervoxels, z-scored, augmented, at the stored slice size.
TEST(SupervoxelEpisodeSamplerCtRealDataTest, CtEpisodesAtTheStoredSliceSize) {
  const DatasetConfig config = testing::abd_ct_with_supervoxels();
  const VolumeDataset dataset(config);
  SupervoxelEpisodeOptions options;
  options.image_size = 257;
  const SupervoxelEpisodeSampler sampler(dataset, dataset.training_indices(0), options, 2021);
  for (int64_t i = 0; i < 4; ++i) {
    const Episode e = sampler.sample(i);
    EXPECT_EQ(e.support_image.sizes(), (std::vector<int64_t>{257, 257}));
    EXPECT_EQ(e.volume_index, 1);
    EXPECT_GT(e.support_mask.sum().item<double>(), 0.0);
    EXPECT_GT(e.query_mask.sum().item<double>(), 0.0);
    EXPECT_TRUE(torch::isfinite(e.query_image).all().item<bool>());
    EXPECT_GT(e.volume_depth, 80);  // CT: 85..198 slices at 3 mm
  }
}

}  // namespace
}  // namespace protoseg::data
