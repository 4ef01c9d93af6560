// The tensor core on every device this machine has: the reference fixtures
// (tests/fixtures/reference) computed on the CPU and, when LibTorch sees a GPU, on CUDA, each
// compared with the reference and CUDA with the CPU. Without a GPU the CUDA half is skipped with
// a message and the CPU half still runs. `--bench` times the encoder's training step instead.
//
// A plain executable (no GoogleTest), so it builds wherever LibTorch alone is installed.
#include <chrono>
#include <cmath>
#include <functional>
#include <iomanip>
#include <iostream>
#include <string>
#include <vector>

#include <ATen/CPUGeneratorImpl.h>
#include <torch/cuda.h>
#include <torch/torch.h>

#include "protoseg/core/precision.h"
#include "protoseg/eval/binary_predictor.h"
#include "protoseg/eval/linear_prior.h"
#include "protoseg/eval/multi_class_prediction.h"
#include "protoseg/eval/spherical_mixture.h"
#include "protoseg/eval/support_prototypes.h"
#include "protoseg/eval/training_priors.h"
#include "protoseg/models/few_shot_segmenter.h"
#include "protoseg/models/multi_class_posterior.h"
#include "protoseg/models/prototype_ops.h"
#include "protoseg/models/semantic_approximation.h"
#include "protoseg/train/episode_objective.h"
#include "protoseg/train/multi_class_objective.h"
#include "protoseg/train/sgd.h"
#include "reference_fixtures.h"

namespace {

using namespace protoseg;

int failures = 0;

void check(bool ok, const std::string& what, double value, double limit) {
  std::cout << (ok ? "  ok    " : "  FAIL  ") << std::left << std::setw(58) << what << " " << value
            << (ok ? " <= " : " > ") << limit << "\n";
  failures += ok ? 0 : 1;
}

void check_error(const std::string& what, const at::Tensor& ours, const at::Tensor& reference,
                 double limit) {
  const double error =
      testing::max_relative_error(ours.cpu().reshape(reference.sizes()), reference, 1e-6);
  check(error <= limit, what, error, limit);
}

void check_agreement(const std::string& what, const at::Tensor& ours, const at::Tensor& reference) {
  const double disagree =
      1.0 - ours.cpu().eq(reference.cpu()).to(torch::kDouble).mean().item<double>();
  check(disagree <= 1e-3, what + " (pixels disagreeing)", disagree, 1e-3);
}

at::Tensor disk_of(const at::Tensor& p, int64_t size) {
  return testing::disk_mask(size, p[0].item<int64_t>(), p[1].item<int64_t>(), p[2].item<int64_t>());
}

// One training episode of TPM on stored features (heads_episode.pt): forward, losses, backward.
void heads(const c10::Device& device) {
  const io::StateDict f = testing::load_reference_tensors("heads_episode.pt");
  models::FewShotSegmenter model(models::FewShotEncoderOptions().depth(18).output_stride(32),
                                 models::TiedPrototypeHeadOptions());
  model->to(device);
  const at::Tensor features = f.at("features").to(device).requires_grad_(true);
  const at::Tensor support = disk_of(f.at("support_disk"), 256).unsqueeze(0).to(device);
  const at::Tensor query = disk_of(f.at("query_disk"), 256).unsqueeze(0).to(device);
  const models::FewShotPrediction prediction =
      model->predict(features.slice(0, 0, 1), support, features.slice(0, 1, 2));
  train::EpisodeBatch batch;
  batch.support_masks = support;
  batch.query_labels = query.to(torch::kLong);
  train::LossConfig loss;
  loss.reference_compat = true;
  const train::EpisodeLosses out =
      train::binary_episode_losses(*model->head, prediction, batch, loss);
  out.total.backward();
  check_error("TPM head: posterior", prediction.query_probabilities.detach()[0][1],
              f.at("query_foreground_probability"), 1e-4);
  check_error("TPM head: total loss", out.total.detach(), f.at("tpm.loss"), 1e-4);
  check_error("TPM head: ideal threshold", out.ideal_threshold, f.at("tpm.ideal_threshold"), 1e-4);
  check_error("TPM head: gradient w.r.t. the features", features.grad(), f.at("feature_grad"),
              1e-3);
  check_error("TPM head: gradient w.r.t. pre_T", model->head->threshold_parameter.grad(),
              f.at("tpm.threshold_grad"), 1e-3);
}

models::TiedPrototypeHead trained_head(const io::StateDict& f, const c10::Device& device) {
  models::TiedPrototypeHead head;
  {
    torch::NoGradGuard no_grad;
    head->threshold_parameter.fill_(std::log(std::expm1(-9.5 + 20.0)));
    head->sigma_foreground.fill_(f.at("sigma_f").item<double>());
    head->sigma_background.fill_(f.at("sigma_b").item<double>());
    if (f.count("ideal_threshold_ema")) {
      head->ideal_threshold_ema.fill_(f.at("ideal_threshold_ema").item<double>());
    }
  }
  head->to(device);
  return head;
}

// The eight binary inference methods and the EM (inference_binary.pt).
void binary_inference(const c10::Device& device) {
  const io::StateDict f = testing::load_reference_tensors("inference_binary.pt");
  const auto head = trained_head(f, device);
  const at::Tensor features = f.at("features").to(device);
  const at::Tensor mask = disk_of(f.at("support_disk"), 64).to(device);
  at::Generator generator = at::detail::createCPUGenerator(f.at("em_seed").item<int64_t>());
  const eval::SupportPrototypes support = eval::make_support_prototypes(
      features.slice(0, 0, 1), mask, head->sigma_foreground.item<double>(), {}, generator);
  check_error("EM: prototypes", support.mixture.means, f.at("em_prototypes"), 1e-4);
  const eval::BinaryPredictor predictor(*head, support, features.slice(0, 1), 64);
  const at::Tensor l = f.at("linear_single"), m = f.at("linear_multi");
  const eval::LinearPrior single{l[0].item<double>(), l[1].item<double>(), l[2].item<double>(), 1};
  const eval::LinearPrior multi{m[0].item<double>(), m[1].item<double>(), m[2].item<double>(), 1};
  const double location = eval::slice_location(f.at("support_slice").item<int64_t>(),
                                               f.at("support_depth").item<int64_t>());
  const double fraction = support.foreground_fraction;
  const std::vector<std::pair<std::string, at::Tensor>> methods = {
      {"CE-T", predictor.probability(false, torch::tensor(0.5))},
      {"AvgEst", predictor.probability(false, head->average_estimated_prior())},
      {"LinEst", predictor.probability(false, torch::tensor(single.predict(location, fraction)))},
      {"CE-T_MP", predictor.probability(true, torch::tensor(0.5))},
      {"AvgEst_MP", predictor.probability(true, f.at("average_multi"))},
      {"LinEst_MP", predictor.probability(true, torch::tensor(multi.predict(location, fraction)))},
  };
  for (const auto& [method, probability] : methods) {
    const double error =
        (probability.cpu() - f.at("foreground." + method)).abs().max().item<double>();
    check(error <= 1e-4, "binary " + method + ": max |P(F) - reference|", error, 1e-4);
  }
}

// The multi-class rules (inference_multi_class.pt).
void multi_class(const c10::Device& device) {
  const io::StateDict f = testing::load_reference_tensors("inference_multi_class.pt");
  const auto head = trained_head(f, device);
  const at::Tensor features = f.at("features").to(device);
  const int64_t classes = f.at("support_disks").size(0);
  std::vector<at::Tensor> masks;
  for (int64_t k = 0; k < classes; ++k) masks.push_back(disk_of(f.at("support_disks")[k], 256));
  const at::Tensor prototypes = models::masked_average_pooling(
      features.slice(0, 0, 1).expand({classes, -1, -1, -1}), torch::stack(masks).to(device));
  const at::Tensor cosines = models::prototype_cosines(features.slice(0, 1), prototypes);
  at::Tensor counts = torch::zeros({cosines.size(0)}, torch::kLong);
  for (int64_t q = 0; q < cosines.size(0); ++q) {
    at::Tensor covered = torch::zeros({256, 256});
    for (int64_t k = 0; k < classes; ++k) covered += disk_of(f.at("query_disks")[q][k], 256);
    counts[q] = covered.gt(0).sum();
  }
  const std::vector<std::pair<eval::MultiClassRule, at::Tensor>> rules = {
      {eval::MultiClassRule::kAdnetPlusPlus, torch::tensor(0.5)},
      {eval::MultiClassRule::kCeT, torch::tensor(0.5)},
      {eval::MultiClassRule::kAvgEst, f.at("average")},
      {eval::MultiClassRule::kLinEst, f.at("linear_prior")},
      {eval::MultiClassRule::kOracle,
       eval::multi_class_oracle_prior(*head, cosines, counts.to(device), 256 * 256)
           .clamp(1e-6, 1 - 1e-6)},
  };
  for (const auto& [rule, prior] : rules) {
    check_agreement("multi-class " + eval::method_name(rule),
                    eval::predict_classes(*head, cosines, rule, prior.to(device), 256, true),
                    f.at("classes." + eval::method_name(rule)).to(torch::kLong));
  }
}

// No fixture: results on `device` against the same computation on the CPU.
void against_cpu(const c10::Device& device) {
  torch::manual_seed(3);
  // PSA query (tensor path; the CPU inference path is compared with it in the unit tests).
  models::SemanticApproximation psa(models::SemanticApproximationOptions(12, 16, 4, 8));
  psa->initialise(torch::randn({12, 16}), torch::randn({12, 4, 8}), torch::ones({12, 4}));
  const at::Tensor queries = torch::randn({5, 16});
  psa->train();  // the tensor path on both devices
  const models::SemanticResponse cpu = psa->forward(queries);
  psa->to(device);
  const models::SemanticResponse there = psa->forward(queries.to(device));
  check_error("PSA: aggregated tokens vs CPU", there.tokens.detach(), cpu.tokens.detach(), 1e-5);
  check_agreement("PSA: chosen prototypes vs CPU", there.indices, cpu.indices);

  // Multi-foreground training objective and one SGD step of a small segmenter.
  auto step = [](const c10::Device& d) {
    torch::manual_seed(5);
    models::FewShotSegmenter model(models::FewShotEncoderOptions().depth(18).output_stride(8),
                                   models::TiedPrototypeHeadOptions());
    model->to(d);
    model->train();
    torch::manual_seed(6);
    train::EpisodeBatch batch;
    batch.support_images = torch::randn({1, 1, 64, 64}).to(d);
    batch.query_images = torch::randn({1, 1, 64, 64}).to(d);
    at::Tensor labels = torch::zeros({1, 64, 64}, torch::kLong);
    labels.slice(1, 10, 30).slice(2, 10, 30).fill_(1);
    labels.slice(1, 35, 55).slice(2, 30, 60).fill_(2);
    batch.support_labels = labels.to(d);
    batch.query_class_labels = labels.to(d);
    batch.support_masks = labels.eq(1).to(torch::kFloat).to(d);
    batch.query_labels = labels.eq(1).to(torch::kLong).to(d);
    batch.foreground_count = 2;
    train::Sgd sgd(model->parameters(), {0.9, 5e-4, 1.0});
    const train::EpisodeLosses out =
        train::multi_class_episode_losses(*model, batch, train::LossConfig());
    out.total.backward();
    sgd.step(1e-3);
    return std::make_pair(out.total.detach().cpu(),
                          model->encoder->projection->weight.detach().cpu());
  };
  const auto [loss_cpu, weight_cpu] = step(c10::kCPU);
  const auto [loss_there, weight_there] = step(device);
  check_error("multi-foreground loss vs CPU", loss_there, loss_cpu, 1e-3);
  check_error("projection weight after one SGD step vs CPU", weight_there, weight_cpu, 1e-3);
}

// Training step of the paper's encoder at the training shape, on `device`.
void bench(const c10::Device& device) {
  for (const int64_t depth : {50, 101}) {
    for (const core::Precision precision :
         {core::Precision::kFloat32, core::Precision::kBFloat16}) {
      torch::manual_seed(0);
      models::FewShotEncoder encoder(
          models::FewShotEncoderOptions().depth(depth).output_stride(8).out_channels(256));
      encoder->to(device);
      encoder->train();
      train::Sgd sgd(encoder->parameters(), {0.9, 5e-4, 1.0});
      const at::Tensor images = torch::randn({2, 3, 256, 256}).to(device);
      auto one_step = [&] {
        sgd.zero_grad();
        at::Tensor loss;
        {
          const core::AutocastGuard autocast(device, precision);
          loss = encoder->forward(images).to(torch::kFloat).square().mean();
        }
        loss.backward();
        sgd.step(1e-3);
        if (device.is_cuda()) torch::cuda::synchronize();
      };
      for (int i = 0; i < 3; ++i) one_step();
      const int steps = device.is_cuda() ? 30 : 3;
      const auto start = std::chrono::steady_clock::now();
      for (int i = 0; i < steps; ++i) one_step();
      const double ms =
          std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start)
              .count() /
          steps;
      std::cout << "  ResNet-" << depth << " OS8, 2 x 256^2, fwd + bwd + SGD, "
                << core::to_string(precision) << " on " << device.str() << ": " << ms
                << " ms/step\n";
    }
  }
}

}  // namespace

int main(int argc, char** argv) {
  const bool timing = argc > 1 && std::string(argv[1]) == "--bench";
  std::vector<c10::Device> devices = {c10::kCPU};
  if (torch::cuda::is_available()) {
    devices.emplace_back(c10::kCUDA, 0);
    // Full fp32 on CUDA, as the reference's defaults in PyTorch 1.x.
    at::globalContext().setAllowTF32CuBLAS(false);
    at::globalContext().setAllowTF32CuDNN(false);
  } else {
    std::cout << "CUDA: not available on this machine; the CUDA half is skipped, the CPU half "
                 "runs\n";
  }
  try {
    for (const c10::Device& device : devices) {
      std::cout << "[" << device.str() << "]\n";
      if (timing) {
        if (device.is_cuda() || devices.size() == 1) bench(device);
        continue;
      }
      heads(device);
      binary_inference(device);
      multi_class(device);
      if (device.is_cuda()) against_cpu(device);
    }
  } catch (const std::exception& e) {
    std::cout << "  FAIL  " << e.what() << "\n";
    return 1;
  }
  if (timing) return 0;
  std::cout << (failures == 0 ? "all checks passed" : std::to_string(failures) + " checks failed")
            << "\n";
  return failures == 0 ? 0 : 1;
}
