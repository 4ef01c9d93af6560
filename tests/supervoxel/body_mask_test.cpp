#include "protoseg/supervoxel/body_mask.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

namespace protoseg::supervoxel {
namespace {

TEST(BodyMaskTest, KeepsLargestComponentAndFillsHoles) {
  auto image = torch::zeros({3, 12, 12}, torch::kFloat64);
  // Slice 0: a ring (hole inside) and a small separate blob.
  image[0].slice(0, 2, 9).slice(1, 2, 9).fill_(100.0);
  image[0].slice(0, 4, 7).slice(1, 4, 7).fill_(5.0);  // dark hole, below threshold
  image[0].slice(0, 10, 12).slice(1, 10, 12).fill_(100.0);
  // Slice 1: two blobs touching only diagonally are one 8-connected component.
  image[1][2][2] = 50.0;
  image[1][3][3] = 50.0;
  image[1][8][8] = 50.0;
  // Slice 2 stays empty.
  const auto mask = body_mask(image, 10.0);
  ASSERT_EQ(mask.scalar_type(), torch::kBool);
  auto expected = torch::zeros({3, 12, 12}, torch::kBool);
  expected[0].slice(0, 2, 9).slice(1, 2, 9).fill_(true);
  expected[1][2][2] = true;
  expected[1][3][3] = true;
  EXPECT_TRUE(torch::equal(mask, expected));
}

TEST(BodyMaskTest, BackgroundTouchingTheBorderIsNotAHole) {
  auto image = torch::full({1, 6, 6}, 100.0, torch::kFloat64);
  image[0].slice(0, 0, 3).slice(1, 2, 4).fill_(0.0);  // a notch open to the top border
  const auto mask = body_mask(image, 10.0);
  EXPECT_FALSE(mask[0][0][2].item<bool>());
  EXPECT_FALSE(mask[0][2][3].item<bool>());
  EXPECT_TRUE(mask[0][3][3].item<bool>());
}

}  // namespace
}  // namespace protoseg::supervoxel
