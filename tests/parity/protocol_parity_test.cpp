// Folds, support volumes, support slices and the LinEst location against what the reference's
// data loaders make of the real datasets (fixture_protocol.py, protocol.json).
#include <fstream>

#include <gtest/gtest.h>
#include <torch/torch.h>
#include <nlohmann/json.hpp>

#include "protoseg/config/load_config.h"
#include "protoseg/data/volume_dataset.h"
#include "protoseg/eval/fold_evaluation.h"
#include "protoseg/eval/training_priors.h"
#include "protoseg/io/volume_io.h"
#include "reference_fixtures.h"
#include "test_paths.h"

namespace protoseg::eval {
namespace {

nlohmann::json protocol() {
  std::ifstream in(testing::reference_fixture("protocol.json"));
  return nlohmann::json::parse(in);
}

data::VolumeDataset dataset(const std::string& name) {
  std::vector<std::string> overrides;
  if (name == "abd_mri") {
    overrides.push_back("root=" + testing::shared_data("abd_mri").string());
  } else {
    const auto root = testing::source_path("derived/abd_ct");
    if (!std::filesystem::exists(root / "image_0.nii")) {
      throw std::runtime_error(root.string() +
                               ": ABD-CT not unpacked; run scripts/prepare_abd_ct.sh");
    }
    overrides.push_back("root=" + root.string());
  }
  return data::VolumeDataset(config::load_config<data::DatasetConfig>(
      testing::source_path("configs/data/" + name + ".yaml"), overrides));
}

void check(const std::string& ours, const std::string& reference_name,
           const std::map<std::string, std::string>& organs) {
  const nlohmann::json folds = protocol().at("datasets").at(reference_name);
  const data::VolumeDataset d = dataset(ours);
  ASSERT_EQ(folds.size(), d.config().folds.size());
  for (const auto& fold : folds) {
    const int f = fold.at("fold").get<int>();
    const std::vector<size_t> indices = d.fold_indices(f);
    EXPECT_EQ(std::vector<size_t>(indices.begin(), indices.end()),
              fold.at("indices").get<std::vector<size_t>>())
        << reference_name << " fold " << f;
    EXPECT_EQ(d.ids()[indices.back()], fold.at("support_id").get<int>()) << f;
    std::vector<int> queries;
    for (size_t i = 0; i + 1 < indices.size(); ++i) queries.push_back(d.ids()[indices[i]]);
    EXPECT_EQ(queries, fold.at("query_ids").get<std::vector<int>>()) << f;
    const at::Tensor labels = io::read_label_map(d.label_path(indices.back())).data;
    for (const auto& [organ, reference_organ] : organs) {
      const auto& expected = fold.at("organs").at(reference_organ);
      const int label = d.config().labels.at(organ);
      ASSERT_EQ(label, expected.at("label").get<int>()) << organ;
      const auto ep2 = support_slices(Protocol::kEP2, labels, label);
      const auto ep1 = support_slices(Protocol::kEP1, labels, label);
      ASSERT_EQ(ep2.size(), 1u);
      EXPECT_EQ(ep2[0], expected.at("ep2_slice").get<int64_t>()) << reference_name << f << organ;
      EXPECT_EQ(ep1, expected.at("ep1_slices").get<std::vector<int64_t>>())
          << reference_name << " fold " << f << " " << organ;
      EXPECT_EQ(labels.size(0), expected.at("depth").get<int64_t>());
      EXPECT_DOUBLE_EQ(slice_location(ep2[0], labels.size(0)),
                       expected.at("test_location").get<double>());
    }
  }
}

TEST(ProtocolParityTest, AbdMriFoldsSupportsAndSlices) {
  check("abd_mri", "CHAOST2",
        {{"liver", "LIVER"}, {"right_kidney", "RK"}, {"left_kidney", "LK"}, {"spleen", "SPLEEN"}});
}

TEST(ProtocolParityTest, AbdCtFoldsSupportsAndSlices) {
  check("abd_ct", "SABS",
        {{"liver", "LIVER"}, {"right_kidney", "RK"}, {"left_kidney", "LK"}, {"spleen", "SPLEEN"}});
}

// The reference's training location support_idx / (support_len - 1) (reference_compat).
TEST(ProtocolParityTest, TrainingLocationOfTheReference) {
  for (const auto& sample : protocol().at("training_locations")) {
    data::Episode e;
    e.support_rank = sample.at("support_idx").get<int64_t>();
    e.volume_depth = sample.at("support_len").get<int64_t>();
    EXPECT_DOUBLE_EQ(prior_location(e, /*reference_compat=*/true),
                     sample.at("location").get<double>());
  }
}

}  // namespace
}  // namespace protoseg::eval
