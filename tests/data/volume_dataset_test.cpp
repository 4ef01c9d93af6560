#include "protoseg/data/volume_dataset.h"

#include <fstream>

#include <gtest/gtest.h>

#include "expect_error.h"
#include "protoseg/config/load_config.h"
#include "test_paths.h"

namespace protoseg::data {
namespace {

using protoseg::testing::source_path;

DatasetConfig abd_mri_config() {
  const char* shared = std::getenv("PROTOSEG_SHARED_DATA");
  std::vector<std::string> overrides;
  if (shared != nullptr) overrides.push_back(std::string("root=") + shared + "/abd_mri");
  return config::load_config<DatasetConfig>(source_path("configs/data/abd_mri.yaml"), overrides);
}

TEST(VolumeDatasetRealDataTest, AbdMriVolumesAreOrderedByNumericId) {
  testing::shared_data("abd_mri");
  const VolumeDataset dataset(abd_mri_config());
  EXPECT_EQ(dataset.ids(), (std::vector<int>{1,  2,  3,  5,  8,  10, 13, 15, 19, 20,
                                             21, 22, 31, 32, 33, 34, 36, 37, 38, 39}));
  EXPECT_EQ(dataset.image_path(3).filename(), "image_5.nii.gz");
  EXPECT_EQ(dataset.label_path(3).filename(), "label_5.nii.gz");
  EXPECT_TRUE(std::filesystem::exists(dataset.image_path(19)));
  EXPECT_EQ(dataset.supervoxel_path(0).filename(), "superpix-MIDDLE_1.nii.gz");
  EXPECT_EQ(dataset.supervoxel_path(0).parent_path().filename(), "supervoxels_5000");
  EXPECT_EQ(dataset.fold_indices(4), (std::vector<size_t>{0, 16, 17, 18, 19}));
  const auto training = dataset.training_indices(4);
  EXPECT_EQ(training.size(), 15u);
  EXPECT_EQ(training.front(), 1u);
  EXPECT_EQ(dataset.config().labels.at("liver"), 1);
  EXPECT_EQ(dataset.config().labels.at("spleen"), 4);
  EXPECT_THROW(dataset.fold_indices(5), std::out_of_range);
}

// A dataset folder holding empty image files with these ids: enough for fold bookkeeping.
std::filesystem::path folder_with_ids(const std::string& name, const std::vector<int>& ids,
                                      const std::string& extension) {
  const auto dir = testing::fresh_temp_dir(name);
  for (int id : ids) std::ofstream(dir / ("image_" + std::to_string(id) + extension)) << "x";
  return dir;
}

// The support of EP2 is the last volume of the fold taken as a set in ascending index order
// (the reference's get_folds + enumerate): fold 4 of ABD-MRI is index 19 (id 39), not 0.
TEST(VolumeDatasetTest, SupportOfEveryFoldIsTheLastOfTheSortedSet) {
  const std::vector<int> mri_ids = {1,  2,  3,  5,  8,  10, 13, 15, 19, 20,
                                    21, 22, 31, 32, 33, 34, 36, 37, 38, 39};
  const auto mri_root = folder_with_ids("mri_ids", mri_ids, ".nii.gz");
  const VolumeDataset mri(config::load_config<DatasetConfig>(
      source_path("configs/data/abd_mri.yaml"), {"root=" + mri_root.string()}));
  std::vector<int> supports;
  for (int f = 0; f < 5; ++f) supports.push_back(mri.ids()[mri.fold_indices(f).back()]);
  EXPECT_EQ(supports, (std::vector<int>{8, 19, 31, 36, 39}));

  std::vector<int> ct_ids;
  for (int id = 0; id < 30; ++id) ct_ids.push_back(id);
  const auto ct_root = folder_with_ids("ct_ids", ct_ids, ".nii");
  const VolumeDataset ct(config::load_config<DatasetConfig>(source_path("configs/data/abd_ct.yaml"),
                                                            {"root=" + ct_root.string()}));
  supports.clear();
  for (int f = 0; f < 5; ++f) supports.push_back(ct.ids()[ct.fold_indices(f).back()]);
  EXPECT_EQ(supports, (std::vector<int>{5, 11, 17, 23, 29}));

  // The order a fold is written in does not matter.
  DatasetConfig listed = mri.config();
  listed.folds[4] = {16, 17, 18, 19, 0};
  const VolumeDataset reordered(listed);
  EXPECT_EQ(reordered.fold_indices(4), (std::vector<size_t>{0, 16, 17, 18, 19}));
  EXPECT_EQ(reordered.ids()[reordered.fold_indices(4).back()], 39);
}

TEST(VolumeDatasetTest, AbdCtConfigFollowsTheSpec) {
  const auto config = config::load_config<DatasetConfig>(source_path("configs/data/abd_ct.yaml"));
  EXPECT_EQ(config.n_sv, 2000);
  EXPECT_EQ(config.labels.at("liver"), 6);
  EXPECT_EQ(config.labels.at("spleen"), 1);
  EXPECT_EQ(config.labels.at("right_kidney"), 2);
  EXPECT_EQ(config.labels.at("left_kidney"), 3);
  ASSERT_EQ(config.folds.size(), 5u);
  EXPECT_EQ(config.folds[4], (std::vector<int>{24, 25, 26, 27, 28, 29}));
}

TEST(VolumeDatasetTest, EmptyOrMissingFoldersAndBadFoldsAreClearErrors) {
  DatasetConfig config;
  config.name = "toy";
  config.root = testing::fresh_temp_dir("empty");
  config.folds = {{0}};
  try {
    VolumeDataset dataset(config);
    FAIL();
  } catch (const std::runtime_error& e) {
    EXPECT_EQ(std::string(e.what()),
              config.root.string() + ": no volumes matching 'image_{id}.nii.gz' (dataset 'toy')");
  }
  std::ofstream(config.root / "image_7.nii.gz") << "x";
  config.folds = {{0, 1}};
  testing::expect_error<std::runtime_error>([&] { VolumeDataset dataset(config); },
                                            "fold 0 names volume index 1");
  config.root = "/nonexistent/folder";
  EXPECT_THROW(VolumeDataset{config}, std::runtime_error);
}

TEST(VolumeDatasetTest, ConfigValidationReportsBadValues) {
  const auto dir = testing::fresh_temp_dir("cfg");
  std::ofstream(dir / "d.yaml")
      << "name: x\nroot: .\nn_sv: 0\nlabels: {liver: 0}\nfolds: [[], [3, 3]]\n";
  try {
    config::load_config<DatasetConfig>(dir / "d.yaml");
    FAIL();
  } catch (const config::ConfigError& e) {
    ASSERT_EQ(e.problems().size(), 4u) << e.what();
    EXPECT_NE(e.problems()[0].find("'n_sv': must be positive"), std::string::npos);
    EXPECT_NE(e.problems()[1].find("'labels': label of 'liver' must be positive"),
              std::string::npos);
    EXPECT_NE(e.problems()[2].find("'folds': a fold is empty"), std::string::npos);
    EXPECT_NE(e.problems()[3].find("'folds': volume index 3 appears twice in a fold"),
              std::string::npos);
  }
}

}  // namespace
}  // namespace protoseg::data
