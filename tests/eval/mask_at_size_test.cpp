#include "protoseg/eval/mask_at_size.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

namespace protoseg::eval {
namespace {

TEST(MaskAtSizeTest, ThresholdsAtZeroWithoutResizingAtTheModelSize) {
  const at::Tensor logits = torch::tensor({{-1.0f, 0.0f}, {2.0f, -0.5f}}).unsqueeze(0);
  const at::Tensor mask = mask_at_size(logits, 2, 2);
  EXPECT_EQ(mask.scalar_type(), torch::kUInt8);
  EXPECT_TRUE(torch::equal(mask, torch::tensor({{0, 255}, {255, 0}}, torch::kUInt8)));
}

TEST(MaskAtSizeTest, ResizesToAnyImageSizeBilinearly) {
  // Left half positive, right half negative: the boundary stays in the middle at 3 x 8.
  const at::Tensor logits = torch::cat({torch::ones({4, 2}), -torch::ones({4, 2})}, 1);
  const at::Tensor mask = mask_at_size(logits.to(torch::kBFloat16), 3, 8);
  ASSERT_EQ(mask.sizes(), (at::IntArrayRef{3, 8}));
  for (int64_t c = 0; c < 8; ++c) {
    EXPECT_EQ(mask[1][c].item<int>(), c < 4 ? 255 : 0) << "column " << c;
  }
  EXPECT_THROW(mask_at_size(torch::zeros({2, 2, 2}), 2, 2), c10::Error);
  EXPECT_THROW(mask_at_size(logits, 0, 2), c10::Error);
}

}  // namespace
}  // namespace protoseg::eval
