#include "protoseg/io/torch_state_dict.h"

#include <fstream>

#include <gtest/gtest.h>
#include <torch/torch.h>

#include "test_paths.h"

namespace protoseg::io {
namespace {

// tests/fixtures/tiny_state_dict.pth is written by make_torch_state_dict_fixture.py in exactly
// torch.save's format for a state_dict (OrderedDict, _rebuild_tensor_v2, typed storages).
TEST(TorchStateDictTest, ReadsTorchSaveStateDict) {
  const StateDict state =
      read_torch_state_dict(testing::source_path("tests/fixtures/tiny_state_dict.pth"));
  ASSERT_EQ(state.size(), 8u);
  const at::Tensor conv = state.at("conv1.weight");
  EXPECT_EQ(conv.sizes(), (std::vector<int64_t>{4, 3, 3, 3}));
  EXPECT_EQ(conv.scalar_type(), torch::kFloat);
  EXPECT_TRUE(torch::allclose(conv.flatten(), torch::arange(108, torch::kFloat) * 0.01f));
  EXPECT_TRUE(
      torch::allclose(state.at("bn1.running_var"), torch::tensor({1.0f, 2.0f, 3.0f, 4.0f})));
  const at::Tensor tracked = state.at("bn1.num_batches_tracked");
  EXPECT_EQ(tracked.scalar_type(), torch::kLong);
  EXPECT_EQ(tracked.dim(), 0);
  EXPECT_EQ(tracked.item<int64_t>(), 7);
  // Two views of one storage, at offsets 4 and 0.
  EXPECT_TRUE(torch::equal(state.at("fc.weight"),
                           (torch::arange(8, torch::kFloat) + 104.0f).reshape({2, 4})));
  EXPECT_TRUE(torch::equal(state.at("fc.bias"), torch::tensor({100.0f, 101.0f})));
}

TEST(TorchStateDictTest, WritesWhatItReads) {
  StateDict state;
  state["a.weight"] = torch::randn({3, 5});
  state["a.bias"] = torch::randn({5}).to(torch::kDouble);
  state["b.count"] = torch::tensor(int64_t{12});
  const auto file = testing::fresh_temp_dir("roundtrip") / "weights.pth";
  write_torch_state_dict(state, file);
  const StateDict back = read_torch_state_dict(file);
  ASSERT_EQ(back.size(), state.size());
  for (const auto& [name, tensor] : state) {
    EXPECT_TRUE(torch::equal(back.at(name), tensor)) << name;
    EXPECT_EQ(back.at(name).scalar_type(), tensor.scalar_type()) << name;
  }
}

TEST(TorchStateDictTest, BadFilesAreNamed) {
  const auto dir = testing::fresh_temp_dir("bad");
  auto message = [](const std::filesystem::path& file) {
    try {
      read_torch_state_dict(file);
    } catch (const std::runtime_error& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_EQ(message(dir / "missing.pth"), (dir / "missing.pth").string() + ": file not found");
  std::ofstream(dir / "legacy.pth") << "\x80\x02 legacy pickle";
  EXPECT_NE(message(dir / "legacy.pth").find("not a zip-format torch.save file"),
            std::string::npos);
  // A zip whose storage record is shorter than the pickle says.
  std::ifstream in(testing::source_path("tests/fixtures/tiny_state_dict.pth"), std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(in)), {});
  std::ofstream(dir / "truncated.pth", std::ios::binary) << bytes.substr(0, bytes.size() / 2);
  EXPECT_NE(message(dir / "truncated.pth").find((dir / "truncated.pth").string() + ": "),
            std::string::npos);
}

}  // namespace
}  // namespace protoseg::io
