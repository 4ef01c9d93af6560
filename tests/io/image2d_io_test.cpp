#include "protoseg/io/image2d_io.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include "test_paths.h"

namespace protoseg::io {
namespace {

TEST(Image2dIoRealDataTest, ReadsQataChestXrayAsGrayFloat) {
  const at::Tensor image =
      read_gray_image(testing::shared_data("qata_cov19/images/covid_0001.png"));
  EXPECT_EQ(image.sizes(), (std::vector<int64_t>{224, 224}));
  EXPECT_EQ(image.scalar_type(), torch::kFloat32);
  EXPECT_GE(image.min().item<float>(), 0.0f);
  EXPECT_LE(image.max().item<float>(), 255.0f);
  EXPECT_GT(image.std().item<float>(), 1.0f);
}

TEST(Image2dIoTest, RoundTripAndErrors) {
  const auto dir = testing::fresh_temp_dir("png");
  const at::Tensor gray = torch::arange(12, torch::kFloat32).reshape({3, 4}) * 20;
  write_image(gray, dir / "gray.png");
  EXPECT_TRUE(torch::equal(read_gray_image(dir / "gray.png"), gray));
  try {
    read_gray_image(dir / "missing.png");
    FAIL();
  } catch (const std::runtime_error& e) {
    EXPECT_EQ(std::string(e.what()), (dir / "missing.png").string() + ": file not found");
  }
}

}  // namespace
}  // namespace protoseg::io
