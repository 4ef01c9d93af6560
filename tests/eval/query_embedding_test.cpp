#include "protoseg/eval/query_embedding.h"

#include <gtest/gtest.h>

namespace protoseg::eval {
namespace {

TEST(QueryEmbeddingTest, EmbedsEveryImageInOrderWhateverTheBatch) {
  data::ImageReportSet set;
  const int64_t n = 7;
  for (int64_t i = 0; i < n; ++i) set.ids.push_back(std::to_string(i));
  set.images = torch::randn({n, 1, 4, 4});
  set.masks = (torch::rand({n, 1, 4, 4}) > 0.5).to(torch::kFloat);
  const QueryEmbedding embedding = [](const torch::Tensor& images, const torch::Tensor& masks) {
    EXPECT_FALSE(torch::GradMode::is_enabled());
    return torch::cat({images.flatten(1).mean(1, true), masks.flatten(1).sum(1, true)}, 1)
        .to(torch::kDouble);
  };
  const torch::Tensor whole = embed_set(set, n, embedding);
  ASSERT_EQ(whole.sizes(), (std::vector<int64_t>{n, 2}));
  EXPECT_EQ(whole.scalar_type(), torch::kFloat);
  EXPECT_TRUE(torch::allclose(embed_set(set, 3, embedding), whole));
  EXPECT_TRUE(torch::allclose(whole.select(1, 1), set.masks.flatten(1).sum(1)));
}

TEST(QueryEmbeddingTest, LesionLayoutIsTheShareOfEachCellRowMajor) {
  torch::Tensor mask = torch::zeros({1, 1, 8, 8});
  mask.slice(2, 0, 4).slice(3, 0, 4).fill_(1);  // the whole top-left cell
  mask.slice(2, 4, 8).slice(3, 4, 6).fill_(1);  // half the bottom-right cell
  const torch::Tensor layout = lesion_layout(mask, 2);
  EXPECT_TRUE(torch::allclose(layout, torch::tensor({{1.0f, 0.0f, 0.0f, 0.5f}})));
}

TEST(QueryEmbeddingTest, FeatureLayoutOfGridOneIsThePooledEmbedding) {
  models::UNetFeatures features;
  for (int64_t l = 0; l < 4; ++l) {
    features.levels[static_cast<size_t>(l)] = torch::randn({2, 3 + l, 32 >> l, 32 >> l});
  }
  EXPECT_TRUE(torch::allclose(feature_layout(features, 1), features.pooled()));
  const torch::Tensor grid2 = feature_layout(features, 2);
  ASSERT_EQ(grid2.sizes(), (std::vector<int64_t>{2, 6 * 4}));
  // Channel 0's top-left cell: the mean of the top-left 2 x 2 of the 4 x 4 stride-32 map.
  EXPECT_NEAR(grid2[1][0].item<float>(),
              features.levels[3][1][0].slice(0, 0, 2).slice(1, 0, 2).mean().item<float>(), 1e-6);
}

}  // namespace
}  // namespace protoseg::eval
