// bench-train: one training step of the framework against the bare encoder forward+backward,
// the step's operations against this machine's measured convolution throughput (its floor),
// and optionally the same step run by the real trainer (train-tpm's code path).
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include <torch/torch.h>
#include <CLI/CLI.hpp>

#include "protoseg/config/load_config.h"
#include "protoseg/core/cli_main.h"
#include "protoseg/core/compute_throughput.h"
#include "protoseg/core/convolution_census.h"
#include "protoseg/core/device.h"
#include "protoseg/core/elapsed.h"
#include "protoseg/core/flop_counter.h"
#include "protoseg/core/logging.h"
#include "protoseg/core/operator_profile.h"
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

using core::median;
using core::seconds_since;

double peak_rss_mib() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_maxrss / 1024.0;
}

// Median step_s of the trainer's metrics.jsonl rows after `warmup` steps.
double median_logged_step(const fs::path& metrics_file, int64_t warmup) {
  std::ifstream in(metrics_file);
  std::vector<double> steps;
  std::string line;
  while (std::getline(in, line)) {
    const auto row = nlohmann::json::parse(line);
    if (row.at("step").get<int64_t>() > warmup) steps.push_back(row.at("step_s").get<double>());
  }
  if (steps.empty()) throw std::runtime_error(metrics_file.string() + ": no timed steps logged");
  return median(steps);
}

// The real trainer (train-tpm's loop: prefetching, logging, TensorBoard, checkpoints and
// validation as the config sets them) for warmup + steps steps in a scratch folder, logging
// every step. Returns {median logged step, wall seconds per step of the whole run}.
std::pair<double, double> time_trainer(train::TrainConfig config,
                                       const data::DatasetConfig& dataset, int warmup, int steps) {
  const fs::path run_dir =
      fs::temp_directory_path() / ("protoseg-bench-train-" + std::to_string(::getpid()));
  fs::remove_all(run_dir);
  config.steps = warmup + steps;
  config.log_every = 1;
  train::Trainer trainer(config, dataset, run_dir);
  const train::TrainResult result = trainer.run(false);
  const double logged = median_logged_step(run_dir / "metrics.jsonl", warmup);
  fs::remove_all(run_dir);
  return {logged, result.seconds / static_cast<double>(config.steps)};
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
  int cli_steps = 0, profile_steps = 0;
  double probe_seconds = 1.0;
  bool convolution_table = false;
  std::vector<std::string> overrides;
  app.add_option("--config", config_file, "training YAML")->required();
  app.add_option("--steps", steps, "timed steps of each kind");
  app.add_option("--warmup", warmup, "untimed steps first");
  app.add_option("--precision", precision_request, "fp32, bf16 or auto");
  app.add_option("--set", overrides, "override a config key");
  app.add_option("--cli-steps", cli_steps,
                 "also run the real trainer for --warmup + N steps and time its steps (0: skip)");
  app.add_option("--profile", profile_steps,
                 "also run N framework steps under the operator profile and print where the time "
                 "goes (0: skip)");
  app.add_option("--probe-seconds", probe_seconds,
                 "seconds per throughput measurement of the convolution and GEMM probe");
  app.add_flag("--convolutions", convolution_table,
               "also run every distinct convolution of one framework step alone (forward and "
               "backward, recorded shapes, dtype and memory format) and print where its time goes");
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
    std::optional<data::EpisodePrefetcher> prefetcher;
    prefetcher.emplace([&](int64_t i) { return sampler.sample(i); }, 0, config.workers,
                       config.prefetch);

    std::vector<core::ConvolutionCall> step_convolutions;  // of the first framework step
    std::vector<double> bare, framework, ratios, data_s, forward_s, backward_s, optimizer_s;
    // Operations of one step, counted during the first (untimed) iteration.
    int64_t step_flops = 0, encoder_forward_flops = 0, encoder_backward_flops = 0;
    if (warmup < 1) throw std::invalid_argument("--warmup must be >= 1 (it counts the FLOPs)");
    for (int i = 0; i < warmup + steps; ++i) {
      std::unique_ptr<core::FlopCounter> counter;
      if (i == 0) counter = std::make_unique<core::FlopCounter>();
      // The framework's step: wait for the next episode, then train on it.
      const auto step_start = Clock::now();
      const data::Episode episode = prefetcher->next();
      const train::EpisodeBatch batch = train::to_batch(episode, device);
      const double data = seconds_since(step_start);
      std::unique_ptr<core::ConvolutionCensus> census;
      if (i == 0 && convolution_table) census = std::make_unique<core::ConvolutionCensus>();
      const train::StepOutcome outcome =
          train_step.run(batch, train::learning_rate_at(config.optimizer, i));
      (void)outcome.loss;  // run() synchronises on the loss value
      if (census) step_convolutions = census->calls();
      census.reset();
      const double step = seconds_since(step_start);
      if (counter) {
        step_flops = counter->total();
        counter->reset();
      }

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
        if (counter) {
          encoder_forward_flops = counter->total();
          counter->reset();
        }
        loss.backward();
        if (counter) encoder_backward_flops = counter->total();
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

    // The floor: the counted operations at the probe's measured convolution throughput.
    std::printf(
        "\nOperations per step (GFLOP): encoder forward %.1f, encoder backward %.1f "
        "(x%.2f), whole framework step %.1f\n",
        encoder_forward_flops / 1e9, encoder_backward_flops / 1e9,
        encoder_forward_flops > 0
            ? static_cast<double>(encoder_backward_flops) / encoder_forward_flops
            : 0.0,
        step_flops / 1e9);
    std::printf(
        "\n| probe | conv fwd GFLOP/s | conv bwd GFLOP/s | GEMM GFLOP/s | encoder floor s |\n");
    double floor_s = 0;
    for (const core::Precision probe : {core::Precision::kFloat32, core::Precision::kBFloat16}) {
      const auto dtype = probe == core::Precision::kBFloat16 ? torch::kBFloat16 : torch::kFloat;
      const core::ComputeThroughput t =
          core::measure_compute_throughput(device, dtype, probe_seconds);
      const double floor = encoder_forward_flops / 1e9 / t.convolution_forward +
                           encoder_backward_flops / 1e9 / t.convolution_backward;
      if (probe == precision) floor_s = floor;
      std::printf("| %s | %.0f | %.0f | %.0f | %.3f |\n", core::to_string(probe).c_str(),
                  t.convolution_forward, t.convolution_backward, t.gemm, floor);
    }
    std::printf(
        "\n%s: framework step %.3f s = %.2fx the floor %.3f s; bare step %.2fx; achieved "
        "%.0f GFLOP/s; backward/forward %.2f\n",
        core::to_string(precision).c_str(), median(framework),
        floor_s > 0 ? median(framework) / floor_s : 0.0, floor_s,
        floor_s > 0 ? median(bare) / floor_s : 0.0, step_flops / 1e9 / median(framework),
        median(backward_s) / median(forward_s));

    if (convolution_table) {
      const auto timings = core::time_convolutions(step_convolutions, device, probe_seconds / 4);
      double total_s = 0;
      int64_t total_flops = 0;
      for (const auto& t : timings) {
        total_s += t.count * t.seconds;
        total_flops += t.count * t.call.flops();
      }
      std::printf(
          "\nConvolutions of one framework step, each run alone on its recorded shapes (%zu "
          "calls, %zu distinct): %.3f s per step = %.2fx the framework step, %.0f GFLOP/s\n"
          "| convolution | calls | GFLOP each | ms each | GFLOP/s | ms per step | share |\n",
          step_convolutions.size(), timings.size(), total_s, total_s / median(framework),
          total_flops / 1e9 / total_s);
      for (const auto& t : timings) {
        std::printf("| %s | %lld | %.2f | %.2f | %.0f | %.1f | %.1f %% |\n",
                    t.call.describe().c_str(), static_cast<long long>(t.count),
                    t.call.flops() / 1e9, 1e3 * t.seconds, t.call.flops() / 1e9 / t.seconds,
                    1e3 * t.count * t.seconds, 100.0 * t.count * t.seconds / total_s);
      }
    }

    if (profile_steps > 0) {
      core::OperatorProfile profile;
      const auto start = Clock::now();
      for (int i = 0; i < profile_steps; ++i) {
        const train::EpisodeBatch batch = train::to_batch(prefetcher->next(), device);
        (void)train_step.run(batch, train::learning_rate_at(config.optimizer, i)).loss;
      }
      const double total = seconds_since(start);
      std::printf(
          "\nOperators of %d framework steps (%.3f s per step), outermost only, by time:\n%s",
          profile_steps, total / profile_steps, profile.markdown(profile_steps, total, 25).c_str());
    }

    if (cli_steps > 0) {
      prefetcher.reset();  // its workers stop before the trainer starts its own
      const auto [logged, wall] = time_trainer(config, dataset_config, warmup, cli_steps);
      std::printf(
          "\ntrainer (train-tpm's loop), %d steps after %d: median logged step %.3f s "
          "(%.2fx the framework step above), wall %.3f s per step including startup, "
          "validation and checkpoints\n",
          cli_steps, warmup, logged, logged / median(framework), wall);
    }
    return 0;
  });
}
