// The feature extractor against the reference's TVDeeplabRes101Encoder (hjk92g/TPM-FSS
// models/backbone/torchvision_backbones.py): torchvision's DeepLabv3 ResNet trunk at output
// stride 8, layer4, bias-free 1x1 convolution to 256 channels. Same formula weights and input on
// both sides (fixture_encoder.py).
#include <gtest/gtest.h>
#include <torch/torch.h>

#include "protoseg/models/few_shot_encoder.h"
#include "reference_fixtures.h"

namespace protoseg::models {
namespace {

using protoseg::testing::flat_cosine;
using protoseg::testing::max_relative_error;

// Copies the reference's weights (its names: backbone.*, localconv.weight) into ours
// (backbone.*, projection.weight); every parameter and running statistic must be covered.
void load_reference_weights(FewShotEncoderImpl& encoder, const io::StateDict& reference) {
  torch::NoGradGuard no_grad;
  auto source = [&](const std::string& ours) {
    const std::string name = ours == "projection.weight" ? "localconv.weight" : ours;
    const auto it = reference.find(name);
    if (it == reference.end()) throw std::runtime_error("no reference value for " + ours);
    return it->second;
  };
  for (auto& p : encoder.named_parameters()) p.value().copy_(source(p.key()));
  for (auto& b : encoder.named_buffers()) {
    if (b.key().find("num_batches_tracked") != std::string::npos) continue;
    b.value().copy_(source(b.key()));
  }
}

void check_encoder(int64_t depth) {
  const std::string stem = "encoder_resnet" + std::to_string(depth);
  const io::StateDict expected = testing::load_reference_tensors(stem + ".pt");
  const auto keys = testing::read_key_list(testing::reference_fixture(stem + "_keys.txt"));
  FewShotEncoder encoder(FewShotEncoderOptions().depth(depth).output_stride(8).out_channels(256));
  load_reference_weights(*encoder, testing::formula_state_dict(keys));
  std::vector<at::Tensor> images;
  for (int64_t i = 0; i < 2; ++i) {
    images.push_back(testing::formula_centred(1'000'000 + i, {256, 256}, 2.0));
  }
  const at::Tensor x = torch::stack(images).unsqueeze(1).repeat({1, 3, 1, 1});
  torch::NoGradGuard no_grad;
  for (const char* mode : {"eval", "train"}) {
    if (expected.count(std::string(mode) + "_features") == 0) continue;  // train: ResNet-101
    encoder->train(std::string(mode) == "train");
    const at::Tensor ours = encoder->forward(x).contiguous();
    const at::Tensor reference = expected.at(std::string(mode) + "_features").to(torch::kFloat);
    ASSERT_EQ(ours.sizes(), reference.sizes()) << mode;
    const double cosine = flat_cosine(ours, reference);
    const double error = max_relative_error(ours, reference);
    const double norm = ours.norm().item<double>();
    const double reference_norm = expected.at(std::string(mode) + "_norm").item<double>();
    std::cout << "ResNet-" << depth << " " << mode << ": cosine " << cosine
              << ", max |error| / max |reference| " << error << ", norm " << norm << " vs "
              << reference_norm << "\n";
    EXPECT_GE(cosine, 0.9999) << mode;
    EXPECT_NEAR(norm / reference_norm, 1.0, 1e-4) << mode;
    // The reference's features are stored in float16 (about 1e-3 relative).
    EXPECT_LT(error, 2e-3) << mode;
  }
}

TEST(EncoderParityTest, ResNet101MatchesTheReference) { check_encoder(101); }
TEST(EncoderParityTest, ResNet50MatchesTheReference) { check_encoder(50); }

}  // namespace
}  // namespace protoseg::models
