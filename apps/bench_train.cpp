// bench-train: one training step of the framework against the bare encoder forward+backward.
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include <torch/torch.h>
#include <CLI/CLI.hpp>

#include "protoseg/config/load_config.h"
#include "protoseg/core/cli_main.h"
#include "protoseg/core/device.h"
#include "protoseg/core/logging.h"
#include "protoseg/core/precision.h"
#include "protoseg/core/threads.h"
#include "protoseg/data/episode_prefetcher.h"
#include "protoseg/data/supervoxel_episode_sampler.h"
#include "protoseg/data/volume_dataset.h"
#include "protoseg/train/train_config.h"
#include "protoseg/train/train_step.h"
#include "protoseg/train/trainer.h"

namespace fs = std::filesystem;
using namespace protoseg;
using Clock = std::chrono::steady_clock;

namespace {

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const size_t n = v.size();
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

double peak_rss_mib() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_maxrss / 1024.0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{
      "Time training steps (data, forward, backward, optimizer) against the bare encoder "
      "forward+backward on the same two images, interleaved step by step"};
  fs::path config_file;
  int steps = 8;
  int warmup = 2;
  std::string precision_request = "fp32";
  std::vector<std::string> overrides;
  app.add_option("--config", config_file, "training YAML")->required();
  app.add_option("--steps", steps, "timed steps of each kind");
  app.add_option("--warmup", warmup, "untimed steps first");
  app.add_option("--precision", precision_request, "fp32, bf16 or auto");
  app.add_option("--set", overrides, "override a config key");
  CLI11_PARSE(app, argc, argv);

  return core::run_cli("bench-train", [&] {
    core::setup_logging("warn");
    // Timing does not depend on the weights: random ones unless --set names a file.
    overrides.insert(overrides.begin(), "encoder.weights=none");
    overrides.push_back("precision=" + precision_request);
    const auto config = config::load_config<train::TrainConfig>(config_file, overrides);
    const auto dataset_config = config::load_config<data::DatasetConfig>(config.dataset);
    const c10::Device device = core::resolve_device(config.device);
    const core::Precision precision = core::resolve_precision(config.precision, device);
    const int threads = core::configure_threads(config.threads);

    const data::VolumeDataset dataset(dataset_config);
    const data::SupervoxelEpisodeSampler sampler(dataset, dataset.training_indices(config.fold),
                                                 config.episodes,
                                                 static_cast<uint64_t>(config.seed));
    torch::manual_seed(static_cast<uint64_t>(config.seed));
    models::FewShotSegmenter model = train::make_segmenter(config);
    model->to(device);
    model->train();
    train::Sgd optimizer(model->parameters(), train::sgd_options(config.optimizer));
    train::TrainStep train_step(model, optimizer, config, precision);
    data::EpisodePrefetcher prefetcher([&](int64_t i) { return sampler.sample(i); }, 0,
                                       config.workers, config.prefetch);

    std::vector<double> bare, framework, ratios, data_s, forward_s, backward_s, optimizer_s;
    for (int i = 0; i < warmup + steps; ++i) {
      // The framework's step: wait for the next episode, then train on it.
      const auto step_start = Clock::now();
      const data::Episode episode = prefetcher.next();
      const train::EpisodeBatch batch = train::to_batch(episode, device);
      const double data = seconds_since(step_start);
      const train::StepOutcome outcome =
          train_step.run(batch, train::learning_rate_at(config.optimizer, i));
      (void)outcome.loss;  // run() synchronises on the loss value
      const double step = seconds_since(step_start);

      // The bare encoder on the same two images: forward, a scalar, backward.
      const auto bare_start = Clock::now();
      model->zero_grad();
      {
        torch::Tensor loss;
        {
          core::AutocastGuard autocast(device, precision);
          loss = model->encoder(torch::cat({batch.support_images, batch.query_images}, 0))
                     .to(torch::kFloat)
                     .mean();
        }
        loss.backward();
        (void)loss.item<double>();
      }
      const double bare_step = seconds_since(bare_start);
      if (i < warmup) continue;
      bare.push_back(bare_step);
      framework.push_back(step);
      ratios.push_back(step / bare_step);
      data_s.push_back(data);
      forward_s.push_back(outcome.times.forward_s);
      backward_s.push_back(outcome.times.backward_s);
      optimizer_s.push_back(outcome.times.optimizer_s);
    }
    std::printf(
        "ResNet-%lld, %d x %d, output stride %lld, %s, %d threads, %d timed steps (median s)\n",
        static_cast<long long>(config.encoder.depth), config.episodes.image_size,
        config.episodes.image_size, static_cast<long long>(config.encoder.output_stride),
        core::to_string(precision).c_str(), threads, steps);
    std::printf(
        "| precision | data | forward | backward | optimizer | framework step | bare fwd+bwd "
        "| ratio | peak RSS MiB |\n");
    std::printf("| %s | %.3f | %.3f | %.3f | %.3f | %.3f | %.3f | %.3f | %.0f |\n",
                core::to_string(precision).c_str(), median(data_s), median(forward_s),
                median(backward_s), median(optimizer_s), median(framework), median(bare),
                median(ratios), peak_rss_mib());
    return 0;
  });
}
