// Test-time predictions against the reference's (fixture_inference.py): the binary methods of
// Table 1 (models/fewshot_anom.py) and the multi-class rules of Table 2
// (models/fewshot_multiclass_anom.py) on stored features with a trained-looking head.
#include <cmath>

#include <ATen/CPUGeneratorImpl.h>
#include <gtest/gtest.h>
#include <torch/torch.h>

#include "protoseg/eval/binary_predictor.h"
#include "protoseg/eval/linear_prior.h"
#include "protoseg/eval/multi_class_evaluation.h"
#include "protoseg/eval/multi_class_linear_prior.h"
#include "protoseg/eval/support_prototypes.h"
#include "protoseg/models/prototype_ops.h"
#include "protoseg/models/tied_prototype_head.h"
#include "reference_fixtures.h"

namespace protoseg::eval {
namespace {

at::Tensor disk_of(const at::Tensor& p, int64_t size) {
  return testing::disk_mask(size, p[0].item<int64_t>(), p[1].item<int64_t>(), p[2].item<int64_t>());
}

// A head in the state the fixture's reference model was put in.
models::TiedPrototypeHead trained_head(const io::StateDict& f) {
  models::TiedPrototypeHead head;
  torch::NoGradGuard no_grad;
  const double t_s = f.count("T_S") ? f.at("T_S").item<double>() : -9.5;
  head->threshold_parameter.fill_(std::log(std::expm1(t_s + 20.0)));  // T_S = softplus(pre) - 20
  head->sigma_foreground.fill_(f.at("sigma_f").item<double>());
  head->sigma_background.fill_(f.at("sigma_b").item<double>());
  if (f.count("ideal_threshold_ema")) {
    head->ideal_threshold_ema.fill_(f.at("ideal_threshold_ema").item<double>());
  }
  return head;
}

double agreement(const at::Tensor& a, const at::Tensor& b) {
  return a.eq(b).to(torch::kDouble).mean().item<double>();
}

TEST(InferenceParityTest, BinaryMethodsMatchTheReference) {
  const io::StateDict f = testing::load_reference_tensors("inference_binary.pt");
  const auto head = trained_head(f);
  const at::Tensor features = f.at("features");  // [1 + D, C, h, w]
  const int64_t size = 64;
  const at::Tensor support_mask = disk_of(f.at("support_disk"), size);
  std::vector<at::Tensor> query_masks;
  for (int64_t q = 0; q < f.at("query_disks").size(0); ++q) {
    query_masks.push_back(disk_of(f.at("query_disks")[q], size));
  }
  const at::Tensor truth = torch::stack(query_masks);
  at::Generator generator = at::detail::createCPUGenerator(f.at("em_seed").item<int64_t>());
  const SupportPrototypes support = make_support_prototypes(
      features.slice(0, 0, 1), support_mask, head->sigma_foreground.item<double>(), {}, generator);
  // The EM from the reference's start (torch.rand with the same seed), Eq. 8's mixture.
  const double em_error = testing::max_relative_error(support.mixture.means, f.at("em_prototypes"));
  std::cout << "EM prototypes: max relative error " << em_error << ", weights "
            << testing::max_relative_error(support.mixture.weights, f.at("em_weights")) << "\n";
  EXPECT_LT(em_error, 1e-4);
  EXPECT_LT(testing::max_relative_error(support.mixture.weights, f.at("em_weights")), 1e-4);

  const BinaryPredictor predictor(*head, support, features.slice(0, 1), size);
  const at::Tensor linear = f.at("linear_single"), linear_mp = f.at("linear_multi");
  const LinearPrior single{linear[0].item<double>(), linear[1].item<double>(),
                           linear[2].item<double>(), 1};
  const LinearPrior multi{linear_mp[0].item<double>(), linear_mp[1].item<double>(),
                          linear_mp[2].item<double>(), 1};
  // The reference's test-time location: the support slice's index over its volume's depth - 1.
  const double location =
      slice_location(f.at("support_slice").item<int64_t>(), f.at("support_depth").item<int64_t>());
  const double fraction = support.foreground_fraction;
  const std::vector<std::pair<std::string, at::Tensor>> probabilities = {
      {"CE-T", predictor.probability(false, torch::tensor(0.5))},
      {"AvgEst", predictor.probability(false, head->average_estimated_prior())},
      {"LinEst", predictor.probability(false, torch::tensor(single.predict(location, fraction)))},
      {"CE-T_MP", predictor.probability(true, torch::tensor(0.5))},
      {"AvgEst_MP", predictor.probability(true, f.at("average_multi"))},
      {"LinEst_MP", predictor.probability(true, torch::tensor(multi.predict(location, fraction)))},
  };
  for (const auto& [method, ours] : probabilities) {
    const at::Tensor reference = f.at("foreground." + method);
    const double error = (ours - reference).abs().max().item<double>();
    std::cout << method << ": max |P(F) - reference| " << error << "\n";
    EXPECT_LT(error, 1e-4) << method;
  }
  // The oracles with the reference's boundary (D[n] + D[n+1]) / 2.
  for (const bool mp : {false, true}) {
    const std::string method = mp ? "OCP_MP" : "OCP";
    const at::Tensor ours = predictor.predict_oracle(mp, truth, /*reference_off_by_one=*/true);
    const double agree = agreement(ours, f.at("foreground." + method).gt(0.5));
    std::cout << method << ": pixel agreement " << agree << "\n";
    EXPECT_GE(agree, 0.999) << method;
  }
}

TEST(InferenceParityTest, MultiClassRulesMatchTheReference) {
  const io::StateDict f = testing::load_reference_tensors("inference_multi_class.pt");
  const auto head = trained_head(f);
  const at::Tensor features = f.at("features");  // [1 + D, C, 32, 32]
  const int64_t size = 256;
  const int64_t classes = f.at("support_disks").size(0);
  std::vector<at::Tensor> masks;
  for (int64_t k = 0; k < classes; ++k) masks.push_back(disk_of(f.at("support_disks")[k], size));
  const at::Tensor support_masks = torch::stack(masks);
  const at::Tensor prototypes = models::masked_average_pooling(
      features.slice(0, 0, 1).expand({classes, -1, -1, -1}), support_masks);
  const at::Tensor cosines = models::prototype_cosines(features.slice(0, 1), prototypes);
  const int64_t queries = cosines.size(0);
  at::Tensor counts = torch::zeros({queries}, torch::kLong);
  for (int64_t q = 0; q < queries; ++q) {
    at::Tensor covered = torch::zeros({size, size});
    for (int64_t k = 0; k < classes; ++k) covered += disk_of(f.at("query_disks")[q][k], size);
    counts[q] = covered.gt(0).sum();
  }
  std::vector<double> fractions;
  for (const at::Tensor& m : masks) fractions.push_back(m.mean().item<double>());
  const at::Tensor w = f.at("linear_foreground"), wb = f.at("linear_background");
  const MultiClassLinearPrior linear{{w[0].item<double>(), w[1].item<double>()},
                                     w[2].item<double>(),
                                     {wb[0].item<double>(), wb[1].item<double>()},
                                     1};
  // The reference's location: the support slice over its volume (one prior per query volume).
  const double location =
      slice_location(f.at("support_slice").item<int64_t>(), f.at("support_depth").item<int64_t>());
  const double q_linear = linear.predict(location, fractions);
  std::cout << "LinEst prior " << q_linear << " (reference " << f.at("linear_prior").item<double>()
            << ")\n";
  EXPECT_NEAR(q_linear, f.at("linear_prior").item<double>(), 1e-5);
  const std::vector<std::pair<MultiClassRule, at::Tensor>> rules = {
      {MultiClassRule::kAdnetPlusPlus, torch::tensor(0.5)},
      {MultiClassRule::kCeT, torch::tensor(0.5)},
      {MultiClassRule::kAvgEst, f.at("average")},
      {MultiClassRule::kLinEst, torch::tensor(q_linear)},
      {MultiClassRule::kOracle,
       multi_class_oracle_prior(*head, cosines, counts, size * size).clamp(1e-6, 1 - 1e-6)},
  };
  for (const auto& [rule, prior] : rules) {
    // With the reference's ADNet++ normaliser (reference_compat); the other rules have one form.
    const at::Tensor ours = predict_classes(*head, cosines, rule, prior, size, true);
    const at::Tensor reference = f.at("classes." + method_name(rule)).to(torch::kLong);
    const double agree = agreement(ours, reference);
    std::cout << method_name(rule) << ": pixel agreement " << agree << "\n";
    EXPECT_GE(agree, 0.999) << method_name(rule);
    if (rule == MultiClassRule::kAdnetPlusPlus) {
      const double fixed = agreement(predict_classes(*head, cosines, rule, prior, size), reference);
      std::cout << "  ADNet++ with per-class normalisers (ours): pixel agreement " << fixed << "\n";
    }
  }
}

}  // namespace
}  // namespace protoseg::eval
