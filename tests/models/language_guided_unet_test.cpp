#include "protoseg/models/language_guided_unet.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include "protoseg/models/text_encoder.h"

namespace protoseg::models {
namespace {

LanguageGuidedUNetOptions small_unet(bool guided) {
  return LanguageGuidedUNetOptions(18)
      .decoder_channels({64, 32, 16, 8})
      .text_dim(12)
      .guided(guided)
      .channels_last(false);
}

TEST(LanguageGuidedUNetTest, GuidedShapesAndAttentionOverRealTokens) {
  torch::manual_seed(0);
  LanguageGuidedUNet unet(small_unet(true));
  unet->eval();
  torch::NoGradGuard no_grad;
  const torch::Tensor images = torch::randn({2, 1, 64, 96});
  const torch::Tensor text = torch::randn({2, 5, 12});
  const torch::Tensor mask = torch::tensor({{1, 1, 1, 0, 0}, {1, 1, 1, 1, 1}});
  const UNetFeatures features = unet->encode(images);
  EXPECT_EQ(features.levels[3].sizes(), (std::vector<int64_t>{2, 512, 2, 3}));
  EXPECT_EQ(features.pooled().sizes(), (std::vector<int64_t>{2, unet->query_dim()}));
  std::vector<torch::Tensor> attention;
  const torch::Tensor logits = unet->decode(features, text, mask, &attention);
  EXPECT_EQ(logits.sizes(), (std::vector<int64_t>{2, 1, 64, 96}));
  ASSERT_EQ(attention.size(), 3U);
  EXPECT_EQ(attention[0].sizes(), (std::vector<int64_t>{2, 6, 5}));   // stride 32: 2 x 3
  EXPECT_EQ(attention[2].sizes(), (std::vector<int64_t>{2, 96, 5}));  // stride 8: 8 x 12
  for (const torch::Tensor& weights : attention) {
    EXPECT_TRUE(torch::allclose(weights.sum(2), torch::ones({2, weights.size(1)}), 1e-4, 1e-5));
    EXPECT_EQ(weights[0].slice(1, 3, 5).abs().sum().item<double>(), 0.0);  // padding ignored
  }
  // The text changes the output: guidance is live.
  EXPECT_FALSE(torch::allclose(logits, unet->decode(features, text * 3, mask)));
}

TEST(LanguageGuidedUNetTest, GuideScaleSetsTheWeightOfTheText) {
  torch::manual_seed(0);
  LanguageGuidedUNet reference(small_unet(true));
  torch::manual_seed(0);
  LanguageGuidedUNet strong(small_unet(true).guide_scale(1.0));
  for (const auto& guide : *reference->guides) {
    EXPECT_FLOAT_EQ(guide->as<GuideLayer>()->scale.item<float>(), 0.01F);  // GuideSeg's
  }
  for (const auto& guide : *strong->guides) {
    EXPECT_FLOAT_EQ(guide->as<GuideLayer>()->scale.item<float>(), 1.0F);
  }
  reference->eval();
  strong->eval();
  torch::NoGradGuard no_grad;
  const torch::Tensor images = torch::randn({1, 1, 64, 64});
  const torch::Tensor text = torch::randn({1, 4, 12}), other = torch::randn({1, 4, 12});
  const torch::Tensor mask = torch::ones({1, 4});
  auto text_effect = [&](LanguageGuidedUNet& unet) {
    const UNetFeatures features = unet->encode(images);
    return (unet->decode(features, text, mask) - unet->decode(features, other, mask))
        .abs()
        .mean()
        .item<double>();
  };
  // Same weights but the scale: the text moves the output far more at 1.0 than at 0.01.
  EXPECT_GT(text_effect(strong), 10 * text_effect(reference));
}

TEST(LanguageGuidedUNetTest, ImageOnlyModelTakesNoText) {
  torch::manual_seed(0);
  LanguageGuidedUNet unet(small_unet(false));
  const torch::Tensor logits = unet->forward(torch::randn({2, 3, 32, 32}));
  EXPECT_EQ(logits.sizes(), (std::vector<int64_t>{2, 1, 32, 32}));
  logits.mean().backward();
  EXPECT_TRUE(unet->encoder->conv1->weight.grad().defined());
  EXPECT_THROW(
      unet->forward(torch::randn({1, 1, 32, 32}), torch::randn({1, 2, 12}), torch::ones({1, 2})),
      c10::Error);
  EXPECT_THROW(unet->forward(torch::randn({1, 1, 40, 32})), c10::Error);
}

TEST(TextTransformerTest, PaddingDoesNotChangeRealTokens) {
  torch::manual_seed(0);
  TextTransformer encoder(TextTransformerOptions(100).dim(16).heads(2).feedforward(32));
  encoder->eval();
  torch::NoGradGuard no_grad;
  const torch::Tensor ids = torch::tensor({{2, 17, 42, 3, 0, 0}});
  const torch::Tensor mask = torch::tensor({{1, 1, 1, 1, 0, 0}});
  const torch::Tensor features = encoder->forward(ids, mask);
  EXPECT_EQ(features.sizes(), (std::vector<int64_t>{1, 6, 16}));
  const torch::Tensor other_padding = torch::tensor({{2, 17, 42, 3, 55, 66}});
  EXPECT_TRUE(torch::allclose(features.slice(1, 0, 4),
                              encoder->forward(other_padding, mask).slice(1, 0, 4), 1e-5, 1e-6));
}

}  // namespace
}  // namespace protoseg::models
