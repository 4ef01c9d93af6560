#include "protoseg/models/load_weights.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include "expect_error.h"
#include "protoseg/models/resnet.h"
#include "test_paths.h"

namespace protoseg::models {
namespace {

// The module the fixture's names and shapes describe.
struct TinyNetImpl : torch::nn::Module {
  TinyNetImpl() {
    conv1 =
        register_module("conv1", torch::nn::Conv2d(torch::nn::Conv2dOptions(3, 4, 3).bias(false)));
    bn1 = register_module("bn1", torch::nn::BatchNorm2d(4));
    fc = register_module("fc", torch::nn::Linear(4, 2));
  }
  torch::nn::Conv2d conv1{nullptr};
  torch::nn::BatchNorm2d bn1{nullptr};
  torch::nn::Linear fc{nullptr};
};
TORCH_MODULE(TinyNet);

io::StateDict fixture() {
  return io::read_torch_state_dict(testing::source_path("tests/fixtures/tiny_state_dict.pth"));
}

TEST(LoadWeightsTest, LoadsEveryParameterAndBufferByName) {
  TinyNet net;
  const auto report = load_state_dict(*net, fixture());
  EXPECT_TRUE(report.complete()) << report.summary();
  EXPECT_EQ(report.loaded.size(), 8u);
  EXPECT_TRUE(torch::equal(net->fc->bias, torch::tensor({100.0f, 101.0f})));
  EXPECT_TRUE(torch::equal(net->bn1->running_mean, torch::tensor({0.0f, 0.1f, 0.2f, 0.3f})));
  EXPECT_EQ(net->bn1->num_batches_tracked.item<int64_t>(), 7);
}

TEST(LoadWeightsTest, StrictLoadingReportsEveryProblemAndCopiesNothing) {
  auto state = fixture();
  state["extra.weight"] = torch::zeros({1});
  state.erase("bn1.bias");
  state["fc.weight"] = torch::zeros({3, 4});
  TinyNet net;
  const at::Tensor before = net->conv1->weight.clone();
  testing::expect_error<std::runtime_error>(
      [&] { load_state_dict(*net, state); }, "1 missing from the file: bn1.bias",
      "1 unexpected in the file: extra.weight", "fc.weight: file [3, 4] vs module [2, 4]");
  EXPECT_TRUE(torch::equal(net->conv1->weight, before));
  // Non-strict loading copies what fits and reports the rest.
  const auto report = load_state_dict(*net, state, /*strict=*/false);
  EXPECT_EQ(report.loaded.size(), 6u);
  EXPECT_FALSE(report.complete());
}

TEST(LoadWeightsTest, PrefixesAndIgnoredKeys) {
  io::StateDict state;
  for (const auto& [name, tensor] : fixture()) state["encoder." + name] = tensor;
  state["decoder.w"] = torch::zeros({1});
  TinyNet net;
  // fc is left out on purpose (a classifier the feature extractor does not have).
  const auto report = load_state_dict(*net, state, /*strict=*/true, "encoder.", {"fc."});
  EXPECT_EQ(report.loaded.size(), 6u);
}

TEST(LoadWeightsTest, ResNetStateDictRoundTrip) {
  ResNet a(ResNetOptions(18).num_classes(10));
  ResNet b(ResNetOptions(18).num_classes(10));
  const auto file = testing::fresh_temp_dir("resnet") / "resnet18.pth";
  io::write_torch_state_dict(state_dict_of(*a), file);
  const auto report = load_state_dict(*b, io::read_torch_state_dict(file));
  EXPECT_TRUE(report.complete());
  a->eval();
  b->eval();
  const at::Tensor x = torch::randn({1, 3, 64, 64});
  EXPECT_TRUE(torch::equal(a(x), b(x)));
}

}  // namespace
}  // namespace protoseg::models
