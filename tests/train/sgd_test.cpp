#include "protoseg/train/sgd.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

namespace protoseg::train {
namespace {

// Sgd must compute what clip_grad_value_ + torch::optim::SGD compute, for the fused CPU path
// (float32, matching layouts, including channels-last) and the tensor-operation path.
TEST(SgdTest, MatchesTorchSgdWithGradientValueClipping) {
  torch::manual_seed(0);
  for (bool channels_last : {false, true}) {
    std::vector<at::Tensor> ours, reference;
    for (auto shape : std::vector<std::vector<int64_t>>{{8, 3, 3, 3}, {70000}, {5, 4}}) {
      at::Tensor p = torch::randn(shape);
      if (channels_last && p.dim() == 4) p = p.contiguous(torch::MemoryFormat::ChannelsLast);
      ours.push_back(p.clone().requires_grad_(true));
      reference.push_back(p.clone().requires_grad_(true));
    }
    // A double parameter takes the tensor-operation path.
    ours.push_back(torch::randn({6}, torch::kDouble).requires_grad_(true));
    reference.push_back(ours.back().detach().clone().requires_grad_(true));

    SgdOptions options;
    options.momentum = 0.9;
    options.weight_decay = 5e-4;
    options.clip_value = 1.0;
    Sgd sgd(ours, options);
    torch::optim::SGD torch_sgd(reference,
                                torch::optim::SGDOptions(0.1).momentum(0.9).weight_decay(5e-4));
    for (int step = 0; step < 4; ++step) {
      sgd.zero_grad();
      torch_sgd.zero_grad();
      for (size_t i = 0; i < ours.size(); ++i) {
        const at::Tensor target = torch::randn(ours[i].sizes(), ours[i].options()) * 3;
        ((ours[i] - target).pow(2).sum()).backward();
        ((reference[i] - target).pow(2).sum()).backward();
      }
      torch::nn::utils::clip_grad_value_(reference, 1.0);
      const double lr = 0.1 * (step + 1);
      for (auto& group : torch_sgd.param_groups()) {
        static_cast<torch::optim::SGDOptions&>(group.options()).lr(lr);
      }
      sgd.step(lr);
      torch_sgd.step();
      for (size_t i = 0; i < ours.size(); ++i) {
        EXPECT_TRUE(torch::allclose(ours[i], reference[i], 1e-5, 1e-6))
            << "parameter " << i << " step " << step << " channels_last " << channels_last;
      }
    }
    EXPECT_EQ(ours[0].strides(), reference[0].strides());
  }
}

TEST(SgdTest, MomentumSurvivesSaveAndLoad) {
  at::Tensor a = torch::ones({3}).requires_grad_(true);
  at::Tensor b = torch::ones({3}).requires_grad_(true);
  Sgd first({a}, {});
  a.sum().backward();
  first.step(0.5);
  torch::serialize::OutputArchive out;
  first.save(out);
  std::ostringstream bytes;
  out.save_to(bytes);

  torch::serialize::InputArchive in;
  std::istringstream stream(bytes.str());
  in.load_from(stream);
  {
    torch::NoGradGuard no_grad;
    b.copy_(a);
  }
  Sgd second({b}, {});
  second.load(in);
  a.mutable_grad() = torch::ones({3});
  b.mutable_grad() = torch::ones({3});
  first.step(0.5);
  second.step(0.5);
  EXPECT_TRUE(torch::equal(a, b));
}

}  // namespace
}  // namespace protoseg::train
