// bench-prolearn: costs of the ProLearn models on random inputs: training steps of the bare
// ResNet encoder, the image-only U-Net, the text-guided U-Net and ProLearn, interleaved, and the
// PSA query latency per image.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <functional>
#include <string>
#include <vector>

#include <torch/torch.h>
#include <CLI/CLI.hpp>

#include "protoseg/core/cli_main.h"
#include "protoseg/core/elapsed.h"
#include "protoseg/core/operator_profile.h"
#include "protoseg/core/precision.h"
#include "protoseg/core/threads.h"
#include "protoseg/models/language_guided_unet.h"
#include "protoseg/models/prolearn_segmenter.h"
#include "protoseg/models/text_encoder.h"
#include "protoseg/train/segmentation_loss.h"

using namespace protoseg;
using Clock = std::chrono::steady_clock;

namespace {

using core::median;

double time_it(const std::function<void()>& work) {
  const auto start = Clock::now();
  work();
  return core::seconds_since(start);
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Time ProLearn training steps against the bare encoder, and the PSA query"};
  int64_t size = 128, batch = 32, steps = 5, prototypes = 96, depth = 50;
  std::string precision_request = "bf16";
  bool stride_in_1x1 = false;
  int profile_steps = 0;
  app.add_option("--image-size", size, "square input size (multiple of 32)");
  app.add_option("--batch-size", batch, "images per step");
  app.add_option("--steps", steps, "timed steps per model (after one warm-up)");
  app.add_option("--prototypes", prototypes, "PSA prototypes");
  app.add_option("--depth", depth, "ResNet depth");
  app.add_option("--precision", precision_request, "fp32, bf16 or auto");
  app.add_flag("--stride-in-1x1", stride_in_1x1,
               "bottleneck stride in the first 1x1 convolution (ResNet v1, as the Keras weights "
               "of configs/prolearn need)");
  app.add_option("--profile-steps", profile_steps,
                 "then time every operator of this many steps of each model (0: no profile)");
  CLI11_PARSE(app, argc, argv);

  return core::run_cli("bench-prolearn", [&] {
    const int threads = core::configure_threads(0);
    const c10::Device device(torch::kCPU);
    const core::Precision precision = core::resolve_precision(precision_request, device);
    torch::manual_seed(0);
    const int64_t length = 24, text_dim = 256;
    const auto guided =
        models::LanguageGuidedUNetOptions(depth).text_dim(text_dim).stride_in_1x1(stride_in_1x1);
    models::LanguageGuidedUNet image_only(models::LanguageGuidedUNetOptions(guided).guided(false));
    models::LanguageGuidedUNet text_guided(guided);
    models::TextTransformer text_encoder(models::TextTransformerOptions(30522).max_length(length));
    const int64_t query_dim = text_guided->query_dim();
    models::ProLearnSegmenter prolearn(
        guided, models::SemanticApproximationOptions(prototypes, query_dim, length, text_dim));
    const torch::Tensor images = torch::randn({batch, 1, size, size});
    const torch::Tensor masks = torch::rand({batch, 1, size, size}).gt(0.7).to(torch::kFloat);
    const torch::Tensor ids = torch::randint(5, 30000, {batch, length});
    const torch::Tensor mask = torch::ones({batch, length}, torch::kLong);

    double last_forward = 0;  // the forward and loss of the latest step, as prolearn-train logs it
    auto step = [&](torch::nn::Module& module, const std::function<torch::Tensor()>& forward) {
      module.zero_grad();
      const auto start = Clock::now();
      torch::Tensor loss;
      {
        core::AutocastGuard autocast(device, precision);
        const torch::Tensor out = forward();
        core::AutocastDisabledGuard full;
        loss = out.dim() == 4 && out.size(1) == 1 ? train::dice_bce_loss(out, masks)
                                                  : out.to(torch::kFloat).mean();
      }
      last_forward = core::seconds_since(start);
      loss.backward();
    };
    torch::optim::AdamW adamw(image_only->parameters(),
                              torch::optim::AdamWOptions(1e-4).weight_decay(0.01));
    struct Case {
      std::string name;
      std::function<void()> run;
      std::vector<double> seconds;
      std::vector<double> forward_seconds;
    };
    std::vector<Case> cases = {
        {"bare ResNet encoder",
         [&] { step(*image_only, [&] { return image_only->encode(images).levels[3]; }); },
         {},
         {}},
        {"image-only U-Net",
         [&] { step(*image_only, [&] { return image_only->forward(images); }); },
         {},
         {}},
        {"text-guided U-Net",
         [&] {
           step(*text_guided, [&] {
             return text_guided->forward(images, text_encoder->forward(ids, mask), mask);
           });
         },
         {},
         {}},
        {"ProLearn (U-Net + PSA)",
         [&] { step(*prolearn, [&] { return prolearn->forward(images); }); },
         {},
         {}},
        // The update prolearn-train's stages add to each step, on the U-Net's gradients.
        {"AdamW update (U-Net)", [&] { adamw.step(); }, {}, {}},
    };
    for (auto& c : cases) c.run();  // warm-up
    for (int64_t s = 0; s < steps; ++s) {
      for (auto& c : cases) {
        last_forward = 0;
        c.seconds.push_back(time_it(c.run));
        c.forward_seconds.push_back(last_forward);
      }
    }
    std::printf("%lld x %lld, batch %lld, ResNet-%lld, %s, %d threads, median of %lld steps\n",
                static_cast<long long>(size), static_cast<long long>(size),
                static_cast<long long>(batch), static_cast<long long>(depth),
                core::to_string(precision).c_str(), threads, static_cast<long long>(steps));
    const double base = median(cases[0].seconds);
    for (const auto& c : cases) {
      const double m = median(c.seconds);
      if (&c == &cases.back()) {  // the optimizer update: no images of its own
        std::printf("  %-24s %7.3f s/step\n", c.name.c_str(), m);
        continue;
      }
      const double forward = median(c.forward_seconds);
      std::printf(
          "  %-24s %7.3f s/step  %6.1f images/s  %.2fx the bare encoder  (forward %.3f s, "
          "backward %.3f s)\n",
          c.name.c_str(), m, static_cast<double>(batch) / m, m / base, forward, m - forward);
    }

    // Where each model's step goes, operator by operator (outermost operators and autograd
    // nodes, inclusive of what they call).
    for (size_t model = 0; profile_steps > 0 && model + 1 < cases.size(); ++model) {
      core::OperatorProfile profile;
      const auto start = Clock::now();
      for (int i = 0; i < profile_steps; ++i) cases[model].run();
      const double total = core::seconds_since(start);
      std::printf("\n%s, %d profiled steps (%.3f s per step), outermost operators by time:\n%s",
                  cases[model].name.c_str(), profile_steps, total / profile_steps,
                  profile.markdown(profile_steps, total, 20).c_str());
    }

    // PSA query at batch 1: cosine scores, top-k, softmax, weighted sum. The operator-by-operator
    // tensor path (what training runs) against the inference path, interleaved in rounds.
    torch::NoGradGuard no_grad;
    const torch::Tensor query = torch::randn({1, query_dim});
    const int repeats = 500;
    std::vector<double> tensor_path, inference_path;
    for (int round = 0; round < 6; ++round) {
      prolearn->psa->train();
      const double t = time_it([&] {
        for (int i = 0; i < repeats; ++i) prolearn->psa->forward(query);
      });
      prolearn->psa->eval();
      const double f = time_it([&] {
        for (int i = 0; i < repeats; ++i) prolearn->psa->forward(query);
      });
      if (round > 0) {  // the first round warms up
        tensor_path.push_back(t / repeats);
        inference_path.push_back(f / repeats);
      }
    }
    prolearn->eval();
    const double psa = median(inference_path);
    std::printf("  PSA query, batch 1, %lld prototypes: tensor path %.4f ms per image\n",
                static_cast<long long>(prototypes), 1000.0 * median(tensor_path));
    int64_t psa_parameters = 0;
    for (const auto& p : prolearn->psa->parameters()) psa_parameters += p.numel();
    std::printf(
        "  PSA query, batch 1, %lld prototypes: inference path %.4f ms per image (%.1fx faster); "
        "%lld PSA parameters\n",
        static_cast<long long>(prototypes), 1000.0 * psa, median(tensor_path) / psa,
        static_cast<long long>(psa_parameters));
    // End-to-end inference throughput of ProLearn.
    std::vector<double> inference;
    for (int64_t s = 0; s < steps; ++s) {
      inference.push_back(time_it([&] {
        core::AutocastGuard autocast(device, precision);
        prolearn->forward(images);
      }));
    }
    std::printf("  ProLearn inference: %.1f images/s\n",
                static_cast<double>(batch) / median(inference));
    return 0;
  });
}
