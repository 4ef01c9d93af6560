#include "protoseg/eval/multi_class_prediction.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include <gtest/gtest.h>
#include <torch/torch.h>

namespace protoseg::eval {
namespace {

// A head whose EMA sigmas are those its threshold implies (as at initialisation).
models::TiedPrototypeHead fresh_head() {
  return models::TiedPrototypeHead(models::TiedPrototypeHeadOptions());
}

// Four feature pixels, one class: the ratio H_B / (h_F + H_B) sorted, read at the count scaled
// from the image grid (16 px) to the feature grid (4 px).
TEST(MultiClassOraclePriorTest, ReadsTheSortedRatioAtTheScaledCount) {
  const auto head = fresh_head();
  const at::Tensor cosines = torch::tensor({0.9, 0.5, 0.99, 0.7}).reshape({1, 1, 2, 2});
  const double sf = head->sigma_foreground.item<double>();
  const double sb = head->sigma_background.item<double>();
  std::vector<double> ratio;
  for (double c : {0.99, 0.9, 0.7, 0.5}) {  // ascending ratio = descending cosine
    const double hf = std::exp((c - 1) / (sf * sf)) / sf;
    const double hb = std::exp((c - 1) / (sb * sb)) / sb;
    ratio.push_back(hb / (hf + hb));
  }
  const auto at = [&](int64_t count) {
    return multi_class_oracle_prior(*head, cosines, torch::tensor({count}), 16).item<double>();
  };
  EXPECT_NEAR(at(8), ratio[1], 1e-6);   // int(8 * 4 / 16) = 2 -> r[1]
  EXPECT_NEAR(at(11), ratio[1], 1e-6);  // int(2.75) = 2
  EXPECT_NEAR(at(16), ratio[3], 1e-6);
  EXPECT_NEAR(at(3), std::clamp(2 * ratio[0] - ratio[1], 0.0, 1.0), 1e-6);  // n' = 0
}

TEST(MultiClassIdealPriorTest, ReferenceReadsRAtNMinusOneOursTheMidpoint) {
  const auto head = fresh_head();
  const at::Tensor cosines = torch::tensor({0.9, 0.5, 0.99, 0.7}).reshape({1, 1, 2, 2});
  // At size 2 there is no upsampling: the ratio of each pixel, sorted.
  const double sf = head->sigma_foreground.item<double>();
  const double sb = head->sigma_background.item<double>();
  std::vector<double> ratio;
  for (double c : {0.99, 0.9, 0.7, 0.5}) {
    const double d2 = 2 * (1 - c) + 1.1920928955078125e-07;
    const double hf = std::exp(-d2 / 2 / (sf * sf)) / sf;
    const double hb = std::exp(-d2 / 2 / (sb * sb)) / sb;
    ratio.push_back(hb / (hf + hb));
  }
  const at::Tensor two = torch::tensor({int64_t{2}});
  EXPECT_NEAR(multi_class_ideal_prior(*head, cosines, two, 2, true).item<double>(), ratio[1], 1e-6);
  EXPECT_NEAR(multi_class_ideal_prior(*head, cosines, two, 2, false).item<double>(),
              (ratio[1] + ratio[2]) / 2, 1e-6);
}

}  // namespace
}  // namespace protoseg::eval
