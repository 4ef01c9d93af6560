// Checkpoints exchanged with the reference code (hjk92g/TPM-FSS): a protoseg model written in
// the reference's names holds exactly the entries FewShotSeg's load_state_dict(strict=True)
// demands (fixture_checkpoint.py lists them), and a reference checkpoint loads into protoseg and
// gives the reference's features (fixture_encoder.py).
#include "expect_error.h"
#include "protoseg/models/reference_checkpoint.h"

#include <cstdlib>
#include <fstream>
#include <map>
#include <sstream>

#include <gtest/gtest.h>
#include <torch/torch.h>

#include "protoseg/models/few_shot_segmenter.h"
#include "protoseg/models/load_weights.h"
#include "reference_fixtures.h"
#include "test_paths.h"

namespace protoseg::models {
namespace {

namespace fs = std::filesystem;
using protoseg::testing::flat_cosine;

struct Entry {
  std::string dtype;
  std::vector<int64_t> shape;
};

/// checkpoint_keys_*.txt: "name dtype dim..." per line.
std::map<std::string, Entry> read_entries(const std::string& name) {
  std::ifstream in(testing::reference_fixture(name));
  std::map<std::string, Entry> entries;
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    std::string key;
    Entry entry;
    fields >> key >> entry.dtype;
    for (int64_t d; fields >> d;) entry.shape.push_back(d);
    entries[key] = entry;
  }
  return entries;
}

std::string dtype_name(const at::Tensor& t) {
  return t.scalar_type() == torch::kFloat  ? "float32"
         : t.scalar_type() == torch::kLong ? "int64"
                                           : "other";
}

FewShotSegmenter resnet101(ThresholdParameterization threshold) {
  return FewShotSegmenter(FewShotEncoderOptions().depth(101).output_stride(8).out_channels(256),
                          TiedPrototypeHeadOptions().parameterization(threshold));
}

void expect_reference_entries(ThresholdParameterization threshold, const std::string& fixture) {
  FewShotSegmenter model = resnet101(threshold);
  const io::StateDict exported = to_reference_checkpoint(
      state_dict_of(*model), model->head->options, model->head->average_estimated_prior());
  const std::map<std::string, Entry> expected = read_entries(fixture);
  for (const auto& [key, entry] : expected) {
    const auto it = exported.find(key);
    ASSERT_NE(it, exported.end()) << "missing " << key;
    EXPECT_EQ(it->second.sizes(), at::IntArrayRef(entry.shape)) << key;
    EXPECT_EQ(dtype_name(it->second), entry.dtype) << key;
  }
  for (const auto& [key, value] : exported) {
    EXPECT_EQ(expected.count(key), 1u) << "unexpected " << key;
  }
}

TEST(CheckpointParityTest, ExportHoldsExactlyWhatTheReferenceLoadsStrictly) {
  expect_reference_entries(ThresholdParameterization::kSoftplus, "checkpoint_keys_adnet.txt");
  expect_reference_entries(ThresholdParameterization::kDirect, "checkpoint_keys_ADNet.txt");
}

TEST(CheckpointParityTest, ExportAndImportRoundTripEveryWeight) {
  torch::manual_seed(5);
  FewShotSegmenter model = resnet101(ThresholdParameterization::kSoftplus);
  {
    torch::NoGradGuard no_grad;
    model->head->threshold_parameter.fill_(7.5);
    model->head->sigma_foreground.fill_(0.4);
    model->head->sigma_background.fill_(3.0);
    model->head->ideal_threshold_ema.fill_(0.9);
  }
  const io::StateDict ours = state_dict_of(*model);
  io::StateDict exported =
      to_reference_checkpoint(ours, model->head->options, model->head->average_estimated_prior());
  EXPECT_FLOAT_EQ(exported.at("pre_T_S").item<float>(), 7.5f);
  EXPECT_FLOAT_EQ(exported.at("T_D_hat").item<float>(), 0.9f);
  EXPECT_NEAR(exported.at("p_F_hat").item<float>(),
              model->head->average_estimated_prior().item<float>(), 1e-7);
  // As nn.DataParallel saves it, through a file.
  io::StateDict with_prefix;
  for (const auto& [key, value] : exported) with_prefix["module." + key] = value;
  const fs::path file = testing::fresh_temp_dir("checkpoint_parity") / "reference.pth";
  io::write_torch_state_dict(with_prefix, file);
  const io::StateDict read = io::read_torch_state_dict(file);
  ASSERT_TRUE(is_reference_checkpoint(read));
  EXPECT_FALSE(is_reference_checkpoint(ours));
  const io::StateDict imported = protoseg_state_dict(read, model->head->options);
  ASSERT_EQ(imported.size(), ours.size());
  for (const auto& [key, value] : ours) {
    ASSERT_EQ(imported.count(key), 1u) << key;
    EXPECT_TRUE(torch::equal(imported.at(key), value)) << key;
  }
  FewShotSegmenter loaded = resnet101(ThresholdParameterization::kSoftplus);
  EXPECT_TRUE(load_state_dict(*loaded, imported, /*strict=*/true).complete());
}

TEST(CheckpointParityTest, MismatchedConfigurationsAreClearErrors) {
  FewShotSegmenter model = resnet101(ThresholdParameterization::kSoftplus);
  const io::StateDict exported = to_reference_checkpoint(
      state_dict_of(*model), model->head->options, model->head->average_estimated_prior());
  testing::expect_error<std::runtime_error>(
      [&] { from_reference_checkpoint(exported, TiedPrototypeHeadOptions().alpha(10.0)); },
      "trained with alpha 20");
  testing::expect_error<std::runtime_error>(
      [&] {
        from_reference_checkpoint(exported, TiedPrototypeHeadOptions().parameterization(
                                                ThresholdParameterization::kDirect));
      },
      "no 'T_S'");
  FewShotSegmenter narrow(FewShotEncoderOptions().depth(18).output_stride(32).out_channels(64),
                          TiedPrototypeHeadOptions());
  EXPECT_THROW(to_reference_checkpoint(state_dict_of(*narrow), narrow->head->options,
                                       narrow->head->average_estimated_prior()),
               std::runtime_error);
}

TEST(CheckpointParityTest, AReferenceCheckpointGivesTheReferenceFeatures) {
  // The reference's encoder weights (formula values under its names) and head entries, as
  // main_train.py saves them inside nn.DataParallel.
  const auto keys =
      testing::read_key_list(testing::reference_fixture("encoder_resnet101_keys.txt"));
  io::StateDict reference;
  for (const auto& [key, value] : testing::formula_state_dict(keys)) {
    reference["module.encoder." + key] = value;
  }
  for (const auto& [key, shape] : keys) {  // BatchNorm step counters: no formula value
    if (key.find("num_batches_tracked") != std::string::npos) {
      reference["module.encoder." + key] = torch::zeros({}, torch::kLong);
    }
  }
  for (const auto& [key, value] : std::map<std::string, float>{{"pre_T_S", 9.5f},
                                                               {"sig1", 0.3f},
                                                               {"sig2", 40.0f},
                                                               {"T_D_hat", 1.1f},
                                                               {"alpha", 20.0f}}) {
    reference["module." + key] = torch::full({1}, value);
  }
  FewShotSegmenter model = resnet101(ThresholdParameterization::kSoftplus);
  load_state_dict(*model, protoseg_state_dict(reference, model->head->options), /*strict=*/true);
  EXPECT_FLOAT_EQ(model->head->threshold_parameter.item<float>(), 9.5f);
  EXPECT_FLOAT_EQ(model->head->ideal_threshold_ema.item<float>(), 1.1f);
  std::vector<at::Tensor> images;
  for (int64_t i = 0; i < 2; ++i) {
    images.push_back(testing::formula_centred(1'000'000 + i, {256, 256}, 2.0));
  }
  const at::Tensor x = torch::stack(images).unsqueeze(1).repeat({1, 3, 1, 1});
  torch::NoGradGuard no_grad;
  model->eval();
  const at::Tensor features = model->encoder->forward(x);
  const at::Tensor expected =
      testing::load_reference_tensors("encoder_resnet101.pt").at("eval_features").to(torch::kFloat);
  const double cosine = flat_cosine(features, expected);
  std::cout << "reference checkpoint -> protoseg features: cosine " << cosine << "\n";
  EXPECT_GE(cosine, 0.9999);
  // For the check in the other direction (tools/reference_fixtures/README.md): this model in the
  // reference's names, to be loaded by FewShotSeg with strict=True.
  if (const char* dir = std::getenv("PROTOSEG_INTEROP_DIR")) {
    io::write_torch_state_dict(to_reference_checkpoint(state_dict_of(*model), model->head->options,
                                                       model->head->average_estimated_prior()),
                               fs::path(dir) / "protoseg_resnet101_reference_names.pth");
  }
}

}  // namespace
}  // namespace protoseg::models
