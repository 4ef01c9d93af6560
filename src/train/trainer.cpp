#include "protoseg/train/trainer.h"

#include <chrono>
#include <cmath>
#include <fstream>
#include <iostream>
#include <optional>
#include <sstream>
#include <stdexcept>

#include <spdlog/spdlog.h>
#include <torch/torch.h>
#include <nlohmann/json.hpp>

#include "protoseg/core/device.h"
#include "protoseg/core/elapsed.h"
#include "protoseg/core/precision.h"
#include "protoseg/core/progress_bar.h"
#include "protoseg/core/threads.h"
#include "protoseg/data/episode_prefetcher.h"
#include "protoseg/data/supervoxel_episode_sampler.h"
#include "protoseg/data/volume_dataset.h"
#include "protoseg/io/tensorboard_writer.h"
#include "protoseg/io/torch_state_dict.h"
#include "protoseg/models/load_weights.h"
#include "protoseg/train/checkpoint.h"
#include "protoseg/train/episode_objective.h"
#include "protoseg/train/train_step.h"

namespace protoseg::train {
namespace {

using Clock = std::chrono::steady_clock;
using core::seconds_since;

// Keeps the lines of a JSON-lines log whose "step" is below `step` (a resumed run rewrites
// what came after its checkpoint).
void truncate_log(const std::filesystem::path& file, int64_t step) {
  if (!std::filesystem::exists(file)) return;
  std::ifstream in(file);
  std::ostringstream kept;
  std::string line;
  while (std::getline(in, line)) {
    const auto row = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
    if (!row.is_discarded() && row.contains("step") && row["step"].get<int64_t>() < step) {
      kept << line << "\n";
    }
  }
  in.close();
  std::ofstream(file, std::ios::trunc) << kept.str();
}

double scalar(const at::Tensor& t) { return t.defined() ? t.item<double>() : std::nan(""); }

}  // namespace

models::FewShotSegmenter make_segmenter(const TrainConfig& config) {
  const auto encoder = models::FewShotEncoderOptions()
                           .depth(config.encoder.depth)
                           .output_stride(config.encoder.output_stride)
                           .out_channels(config.encoder.out_channels)
                           .stride_in_1x1(config.encoder.stride_in_1x1)
                           .input_mean(config.encoder.input_mean)
                           .input_std(config.encoder.input_std)
                           .channels_last(config.encoder.channels_last);
  const auto head = models::TiedPrototypeHeadOptions()
                        .alpha(config.head.alpha)
                        .initial_threshold(config.head.initial_threshold)
                        .ema_rate(config.head.ema_rate)
                        .parameterization(config.head.threshold == "direct"
                                              ? models::ThresholdParameterization::kDirect
                                              : models::ThresholdParameterization::kSoftplus);
  models::FewShotSegmenter model(encoder, head);
  if (config.encoder.weights.empty()) {
    throw std::invalid_argument(
        "encoder.weights is empty: name a weights file or 'none' for random weights");
  }
  if (!config.encoder.random_weights()) {
    const io::StateDict state = io::read_torch_state_dict(config.encoder.weights);
    try {
      const auto report = models::load_state_dict(*model->encoder->backbone, state,
                                                  /*strict=*/true, "", {"fc."});
      spdlog::info("encoder weights {}: {}", config.encoder.weights.string(), report.summary());
    } catch (const std::runtime_error& e) {
      throw std::runtime_error(config.encoder.weights.string() + ": does not fit a ResNet-" +
                               std::to_string(config.encoder.depth) + ": " + e.what());
    }
  }
  return model;
}

Trainer::Trainer(TrainConfig config, data::DatasetConfig dataset, std::filesystem::path run_dir,
                 std::shared_ptr<dist::ProcessGroup> group)
    : config_(std::move(config)),
      dataset_(std::move(dataset)),
      run_dir_(std::move(run_dir)),
      group_(std::move(group)) {}

TrainResult Trainer::run(bool resume, const std::atomic<bool>* stop) {
  const auto start = Clock::now();
  const c10::Device device = core::resolve_device(config_.device);
  const core::Precision precision = core::resolve_precision(config_.precision, device);
  const int threads = core::configure_threads(config_.threads);
  if (!group_) group_ = dist::ProcessGroup::create({}, device, std::chrono::milliseconds(1000));
  const int rank = group_->rank(), world = group_->world_size();
  const bool main_rank = group_->is_main();
  std::filesystem::create_directories(run_dir_);
  const auto checkpoint_file = run_dir_ / "checkpoint.pt";
  if (!resume && std::filesystem::exists(checkpoint_file)) {
    throw std::runtime_error(
        checkpoint_file.string() +
        " exists: pass --resume to continue that run, or choose another --out");
  }

  const data::VolumeDataset dataset(dataset_);
  const data::SupervoxelEpisodeSampler sampler(dataset, dataset.training_indices(config_.fold),
                                               config_.episodes,
                                               static_cast<uint64_t>(config_.seed));
  std::unique_ptr<data::SupervoxelEpisodeSampler> validation;
  if (config_.validate_every > 0) {
    data::SupervoxelEpisodeOptions options = config_.episodes;
    options.augment = false;
    validation = std::make_unique<data::SupervoxelEpisodeSampler>(
        dataset, dataset.fold_indices(config_.fold), options,
        static_cast<uint64_t>(config_.seed) + 1);
  }
  spdlog::info("{} fold {}: {} training volumes, {} on {} ({} threads, {}, {} process{})",
               dataset_.name, config_.fold, sampler.volume_count(),
               config_.loss.threshold_weight > 0 ? "ADNet" : "TPM", device.str(), threads,
               core::to_string(precision), world, world > 1 ? "es" : "");

  torch::manual_seed(static_cast<uint64_t>(config_.seed));
  if (config_.encoder.random_weights()) {
    spdlog::warn("encoder.weights: none: the encoder starts from random weights");
  }
  model_ = make_segmenter(config_);
  model_->to(device);
  Sgd optimizer(model_->parameters(), sgd_options(config_.optimizer));

  TrainingState state;
  if (resume && std::filesystem::exists(checkpoint_file)) {
    state = load_checkpoint(checkpoint_file, *model_, optimizer);
    model_->to(device);
    spdlog::info("resumed {} at step {}", checkpoint_file.string(), state.step);
  } else if (resume && main_rank) {
    spdlog::warn("{} not found: starting from step 0", checkpoint_file.string());
  }
  group_->broadcast_module(*model_);  // identical starting points on every rank
  dist::GradientReducer reducer(group_, model_->parameters());
  const auto metrics_file = run_dir_ / "metrics.jsonl";
  const auto validation_file = run_dir_ / "validation.jsonl";
  std::ofstream metrics, validation_log;
  std::optional<io::TensorBoardWriter> tensorboard;  // the same rows as TensorBoard scalars
  if (main_rank) {
    truncate_log(metrics_file, state.step + 1);
    truncate_log(validation_file, state.step + (state.step == 0 ? 0 : 1));
    metrics.open(metrics_file, std::ios::app);
    validation_log.open(validation_file, std::ios::app);
    tensorboard.emplace(run_dir_);
  }
  // Every number of a log row except the counters, as "<group>/<key>" at `step`.
  auto to_tensorboard = [&](const std::string& group, const nlohmann::json& row, int64_t step) {
    for (const auto& [key, value] : row.items()) {
      if (value.is_number() && key != "step" && key != "episode" && key != "episodes") {
        tensorboard->add_scalar(group + "/" + key, value.get<double>(), step);
      }
    }
  };

  auto validate = [&](int64_t step) {
    if (!validation || !main_rank) return;
    torch::NoGradGuard no_grad;
    model_->eval();
    double dice = 0.0, loss = 0.0;
    for (int i = 0; i < config_.validation_episodes; ++i) {
      const EpisodeBatch batch = to_batch(validation->sample(i), device);
      core::AutocastGuard autocast(device, precision);
      const EpisodeLosses losses = episode_losses(*model_, batch, config_.loss);
      dice += foreground_dice(losses.query_foreground, batch.query_labels);
      loss += losses.query.item<double>();
    }
    model_->train();
    const nlohmann::json row = {{"step", step},
                                {"dice", dice / config_.validation_episodes},
                                {"query_loss", loss / config_.validation_episodes},
                                {"episodes", config_.validation_episodes}};
    validation_log << row.dump() << std::endl;
    to_tensorboard("validation", row, step);
    spdlog::info("step {}: held-out supervoxel Dice {:.4f}, query loss {:.4f}", step,
                 dice / config_.validation_episodes, loss / config_.validation_episodes);
  };

  auto checkpoint = [&](const TrainingState& s) {
    if (main_rank) save_checkpoint(checkpoint_file, *model_, optimizer, s);
  };

  if (state.step == 0) validate(0);
  // Each step consumes `world` consecutive episodes, one per rank; the prefetcher counts this
  // rank's steps and next_episode stays the global count.
  const int64_t first_episode = state.next_episode;
  data::EpisodePrefetcher prefetcher(
      [&](int64_t i) { return sampler.sample(first_episode + i * world + rank); }, 0,
      config_.workers, config_.prefetch);
  auto next_episode = [&] { return first_episode + prefetcher.next_index() * world; };
  model_->train();
  TrainStep train_step(model_, optimizer, config_, precision, &reducer);
  std::ostringstream discarded;
  core::ProgressBar progress("train", config_.steps,
                             main_rank ? static_cast<std::ostream&>(std::cerr) : discarded, 10.0);
  if (state.step > 0) progress.skip_to(state.step, "resumed");
  TrainResult result;
  int64_t step = state.step;
  for (; step < config_.steps; ++step) {
    // A stop request on any rank stops all of them at the same step.
    torch::Tensor stop_votes =
        torch::tensor(stop != nullptr && stop->load() ? 1.0 : 0.0, torch::kDouble);
    group_->all_reduce_sum(stop_votes);
    if (stop_votes.item<double>() > 0) {
      result.interrupted = true;
      break;
    }
    group_->broadcast_module(*model_, /*buffers_only=*/true);  // rank 0's EMA and BN buffers
    const auto data_start = Clock::now();
    const data::Episode episode = prefetcher.next();
    const EpisodeBatch batch = to_batch(episode, device);
    const double data_s = seconds_since(data_start);

    const double lr = learning_rate_at(config_.optimizer, step);
    const StepOutcome outcome = train_step.run(batch, lr);
    const EpisodeLosses& losses = outcome.losses;
    const double loss_value = outcome.loss;
    if (!outcome.finite) {
      throw std::runtime_error("loss is " + std::to_string(loss_value) + " at step " +
                               std::to_string(step + 1) + " (episode " +
                               std::to_string(episode.index) + "); the last checkpoint " +
                               checkpoint_file.string() + " is kept");
    }
    const int64_t done = step + 1;

    if (main_rank && (done % config_.log_every == 0 || done == config_.steps)) {
      const auto& head = model_->head;
      const nlohmann::json row = {
          {"step", done},
          {"loss", loss_value},
          {"query_loss", scalar(losses.query)},
          {"align_loss", scalar(losses.alignment)},
          {"t_loss", scalar(losses.threshold_loss)},
          {"lr", lr},
          {"T_S", scalar(losses.threshold)},
          {"sigma_F", scalar(head->sigma_foreground)},
          {"sigma_B", scalar(head->sigma_background)},
          {"ideal_threshold", scalar(losses.ideal_threshold)},
          {"ideal_threshold_ema", scalar(head->ideal_threshold_ema)},
          {"p_F_avg_est", scalar(head->average_estimated_prior())},
          {"dice", foreground_dice(losses.query_foreground, batch.query_labels)},
          {"data_s", data_s},
          {"forward_s", outcome.times.forward_s},
          {"backward_s", outcome.times.backward_s},
          {"optimizer_s", outcome.times.optimizer_s},
          {"step_s", seconds_since(data_start)},
          {"episode", episode.index}};
      metrics << row.dump() << std::endl;
      to_tensorboard("train", row, done);
      char status[160];
      std::snprintf(status, sizeof(status), "loss %.4f q %.4f a %.4f T_S %.3f lr %.2e", loss_value,
                    row["query_loss"].get<double>(), row["align_loss"].get<double>(),
                    row["T_S"].get<double>(), lr);
      progress.update(done, status);
    }
    if (done % config_.checkpoint_every == 0 && done < config_.steps) {
      checkpoint({done, next_episode()});
    }
    if (validation && done % config_.validate_every == 0 && done < config_.steps) validate(done);
  }
  result.steps_done = step;
  checkpoint({step, next_episode()});
  if (result.interrupted) {
    progress.stop("interrupted at step " + std::to_string(step));
    spdlog::warn("interrupted: checkpoint at step {} in {}; continue with --resume", step,
                 checkpoint_file.string());
  } else {
    progress.finish("done");
    validate(step);
    if (main_rank) {
      io::write_torch_state_dict(models::state_dict_of(*model_), run_dir_ / "model.pth");
    }
    spdlog::info("trained {} steps; model {}", step, (run_dir_ / "model.pth").string());
  }
  group_->barrier();  // the files exist before any rank returns
  result.seconds = seconds_since(start);
  return result;
}

}  // namespace protoseg::train
