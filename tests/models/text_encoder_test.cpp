#include "protoseg/models/text_encoder.h"

#include <fstream>

#include <gtest/gtest.h>
#include <torch/torch.h>

#include "expect_error.h"
#include "test_paths.h"

namespace protoseg::models {
namespace {

TEST(ScriptedTextEncoderTest, LoadsTheCommittedFixtureAndMatchesItsFormula) {
  // tests/fixtures/make_scripted_text_encoder.py: feature = ((id % 97) * 8 + j) * mask.
  ScriptedTextEncoder encoder(testing::source_path("tests/fixtures/tiny_text_encoder.pt"));
  EXPECT_EQ(encoder->dim(), 8);
  EXPECT_TRUE(encoder->parameters().empty());  // frozen: nothing for the optimizer
  const torch::Tensor ids = torch::tensor({{2, 4291, 3, 0}});
  const torch::Tensor mask = torch::tensor({{1, 1, 1, 0}});
  const torch::Tensor features = encoder->forward(ids, mask);
  ASSERT_EQ(features.sizes(), (std::vector<int64_t>{1, 4, 8}));
  EXPECT_EQ(features[0][1][5].item<float>(), static_cast<float>((4291 % 97) * 8 + 5));
  EXPECT_EQ(features[0][0][0].item<float>(), 16.0F);
  EXPECT_EQ(features[0][3].abs().sum().item<float>(), 0.0F);
}

TEST(ScriptedTextEncoderTest, MissingOrBrokenFileIsNamed) {
  const auto dir = testing::fresh_temp_dir("scripted_encoder");
  testing::expect_error<std::runtime_error>([&] { ScriptedTextEncoder encoder(dir / "none.pt"); },
                                            "none.pt");
  std::ofstream(dir / "broken.pt") << "not a zip archive";
  testing::expect_error<std::runtime_error>([&] { ScriptedTextEncoder encoder(dir / "broken.pt"); },
                                            "cannot load TorchScript text encoder");
}

}  // namespace
}  // namespace protoseg::models
