#include "protoseg/models/resnet.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

namespace protoseg::models {
namespace {

int64_t parameter_count(torch::nn::Module& module) {
  int64_t count = 0;
  for (const auto& p : module.parameters()) count += p.numel();
  return count;
}

TEST(ResNetTest, ParameterCountsMatchTorchvision) {
  // torchvision.models.resnetXX(): sum(p.numel() for p in model.parameters()).
  const std::pair<int64_t, int64_t> expected[] = {
      {18, 11'689'512}, {34, 21'797'672}, {50, 25'557'032}, {101, 44'549'160}};
  for (const auto& [depth, count] : expected) {
    ResNet net{ResNetOptions(depth)};
    EXPECT_EQ(parameter_count(*net), count) << "resnet" << depth;
  }
}

TEST(ResNetTest, NamesFollowTorchvisionStateDict) {
  ResNet net{ResNetOptions(50)};
  const auto params = net->named_parameters();
  const auto buffers = net->named_buffers();
  for (const char* name :
       {"conv1.weight", "bn1.weight", "bn1.bias", "layer1.0.conv1.weight",
        "layer1.0.downsample.0.weight", "layer1.0.downsample.1.bias", "layer3.5.conv3.weight",
        "layer4.2.bn3.weight", "fc.weight", "fc.bias"}) {
    EXPECT_TRUE(params.contains(name)) << name;
  }
  for (const char* name : {"bn1.running_mean", "bn1.running_var", "bn1.num_batches_tracked",
                           "layer2.0.downsample.1.running_var"}) {
    EXPECT_TRUE(buffers.contains(name)) << name;
  }
  EXPECT_EQ(params.size(), 161u);  // torchvision resnet50: 161 parameters, 106 buffers
  EXPECT_EQ(buffers.size(), 159u);
}

TEST(ResNetTest, DilationGivesOutputStrideEight) {
  torch::NoGradGuard no_grad;
  ResNet plain{ResNetOptions(50).num_classes(0)};
  ResNet dilated{
      ResNetOptions(50).num_classes(0).replace_stride_with_dilation({false, true, true})};
  plain->eval();
  dilated->eval();
  const auto x = torch::randn({1, 3, 128, 128});
  EXPECT_EQ(plain->features(x).sizes(), (std::vector<int64_t>{1, 2048, 4, 4}));
  EXPECT_EQ(dilated->features(x).sizes(), (std::vector<int64_t>{1, 2048, 16, 16}));
  // Dilation changes no parameter shapes: the same weights serve both.
  EXPECT_EQ(parameter_count(*plain), parameter_count(*dilated));
  EXPECT_THROW(ResNet{ResNetOptions(18).replace_stride_with_dilation({false, true, true})},
               c10::Error);
  EXPECT_THROW(ResNet{ResNetOptions(42)}, c10::Error);
}

TEST(ResNetTest, ClassifierShape) {
  torch::NoGradGuard no_grad;
  ResNet net{ResNetOptions(18)};
  net->eval();
  EXPECT_EQ(net->forward(torch::randn({2, 3, 64, 64})).sizes(), (std::vector<int64_t>{2, 1000}));
}

}  // namespace
}  // namespace protoseg::models
