#include "protoseg/train/segmentation_stage.h"

#include <chrono>
#include <cmath>
#include <fstream>
#include <iostream>
#include <optional>
#include <random>
#include <sstream>

#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <torch/torch.h>

#include "protoseg/core/phase_clock.h"
#include "protoseg/core/progress_bar.h"
#include "protoseg/dist/gradient_reducer.h"
#include "protoseg/io/tensorboard_writer.h"
#include "protoseg/train/archive_file.h"
#include "protoseg/train/segmentation_loss.h"
#include "protoseg/train/segmentation_metrics.h"

namespace protoseg::train {
namespace {

using Clock = std::chrono::steady_clock;

/// Where a stage stands; saved with every checkpoint.
struct StagePosition {
  int64_t epoch = 0;
  int64_t batch = 0;  // next batch of `epoch`
  double loss_sum = 0;
  int64_t loss_count = 0;
  double best_dice = -1;
  int64_t best_epoch = -1;
  int64_t epochs_since_best = 0;
  bool finished = false;
};

const char* const kPositionKeys[] = {"epoch",     "batch",      "loss_sum",   "loss_count",
                                     "best_dice", "best_epoch", "since_best", "finished"};

void save_stage(const std::filesystem::path& file, torch::nn::Module& model,
                torch::optim::Optimizer& optimizer, const StagePosition& p) {
  torch::serialize::OutputArchive archive, model_archive, optimizer_archive;
  model.save(model_archive);
  optimizer.save(optimizer_archive);
  archive.write("model", model_archive);
  archive.write("optimizer", optimizer_archive);
  const std::vector<double> values = {static_cast<double>(p.epoch),
                                      static_cast<double>(p.batch),
                                      p.loss_sum,
                                      static_cast<double>(p.loss_count),
                                      p.best_dice,
                                      static_cast<double>(p.best_epoch),
                                      static_cast<double>(p.epochs_since_best),
                                      p.finished ? 1.0 : 0.0};
  for (size_t i = 0; i < values.size(); ++i) {
    archive.write(kPositionKeys[i], torch::tensor(values[i], torch::kDouble));
  }
  save_archive_atomically(archive, file);
}

StagePosition read_position(torch::serialize::InputArchive& archive) {
  std::vector<double> values;
  for (const char* key : kPositionKeys) {
    torch::Tensor value;
    archive.read(key, value);
    values.push_back(value.item<double>());
  }
  StagePosition p;
  p.epoch = static_cast<int64_t>(values[0]);
  p.batch = static_cast<int64_t>(values[1]);
  p.loss_sum = values[2];
  p.loss_count = static_cast<int64_t>(values[3]);
  p.best_dice = values[4];
  p.best_epoch = static_cast<int64_t>(values[5]);
  p.epochs_since_best = static_cast<int64_t>(values[6]);
  p.finished = values[7] != 0.0;
  return p;
}

/// The image order of one epoch: reshuffled passes over `rows` until `min_images` are drawn
/// (at least one pass). A pure function of (seed, epoch), so a resumed run replays it.
std::vector<int64_t> epoch_order(const std::vector<int64_t>& rows, uint64_t seed, int64_t epoch,
                                 int64_t min_images) {
  std::vector<int64_t> order;
  std::mt19937_64 rng(seed * 1000003ULL + static_cast<uint64_t>(epoch));
  do {
    std::vector<int64_t> pass = rows;
    for (auto i = static_cast<int64_t>(pass.size()) - 1; i > 0; --i) {
      const auto pick = static_cast<int64_t>(rng() % static_cast<uint64_t>(i + 1));
      std::swap(pass[static_cast<size_t>(i)], pass[static_cast<size_t>(pick)]);
    }
    order.insert(order.end(), pass.begin(), pass.end());
  } while (static_cast<int64_t>(order.size()) < min_images);
  if (min_images > static_cast<int64_t>(rows.size())) order.resize(static_cast<size_t>(min_images));
  return order;
}

double cosine_lr(const StageConfig& config, int64_t epoch) {
  const double phase =
      M_PI * static_cast<double>(epoch) / static_cast<double>(config.cosine_epochs);
  return config.min_lr + (config.lr - config.min_lr) * (1.0 + std::cos(phase)) / 2.0;
}

torch::Tensor rows_tensor(const std::vector<int64_t>& rows) {
  return torch::tensor(rows, torch::kLong);
}

}  // namespace

SegmentationStage::SegmentationStage(std::string name, StageConfig config,
                                     std::filesystem::path dir, c10::Device device,
                                     core::Precision precision, uint64_t seed,
                                     data::RandomZoomOptions zoom,
                                     std::shared_ptr<dist::ProcessGroup> group)
    : name_(std::move(name)),
      config_(config),
      dir_(std::move(dir)),
      device_(device),
      precision_(precision),
      seed_(seed),
      zoom_(zoom),
      group_(group ? std::move(group)
                   : dist::ProcessGroup::create(dist::DistributedEnv{}, device,
                                                std::chrono::milliseconds(1000))) {}

bool SegmentationStage::finished(const std::filesystem::path& dir) {
  const auto file = dir / "checkpoint.pt";
  if (!std::filesystem::exists(file)) return false;
  torch::serialize::InputArchive archive;
  load_archive(archive, file);
  return read_position(archive).finished;
}

void SegmentationStage::load_best(torch::nn::Module& model, const std::filesystem::path& dir) {
  torch::serialize::InputArchive archive;
  load_archive(archive, dir / "best.pt");
  try {
    model.load(archive);
  } catch (const c10::Error& e) {
    throw std::runtime_error((dir / "best.pt").string() +
                             ": does not fit the model: " + e.what_without_backtrace());
  }
}

SegmentationMetrics evaluate_segmentation(torch::nn::Module& model,
                                          const SegmentationForward& forward,
                                          const data::ImageReportSet& set, int64_t batch_size,
                                          int64_t limit, const c10::Device& device,
                                          core::Precision precision, const BatchObserver& observer,
                                          int rank, int world_size) {
  const bool was_training = model.is_training();
  model.eval();
  torch::NoGradGuard no_grad;
  SegmentationMetrics metrics;
  const int64_t total = limit > 0 ? std::min(limit, set.size()) : set.size();
  const int64_t first = total * rank / world_size;
  const int64_t count = total * (rank + 1) / world_size;
  for (int64_t start = first; start < count; start += batch_size) {
    std::vector<int64_t> rows;
    for (int64_t r = start; r < std::min(count, start + batch_size); ++r) rows.push_back(r);
    const torch::Tensor index = rows_tensor(rows);
    torch::Tensor logits;
    {
      core::AutocastGuard autocast(device, precision);
      logits = forward(set.images.index_select(0, index).to(device), rows, false);
    }
    metrics.add(logits, set.masks.index_select(0, index).to(device));
    if (observer) observer(rows, logits);
  }
  model.train(was_training);
  return metrics;
}

SegmentationStageResult SegmentationStage::run(
    torch::nn::Module& model, const std::vector<torch::Tensor>& parameters,
    const SegmentationForward& forward, const data::ImageReportSet& train,
    const std::vector<int64_t>& train_rows, const SegmentationForward& val_forward,
    const data::ImageReportSet& val, bool resume, const std::atomic<bool>* stop) {
  TORCH_CHECK(!train_rows.empty(), name_, ": no training images");
  const auto start_time = Clock::now();
  const int rank = group_->rank(), world = group_->world_size();
  const bool main_rank = group_->is_main();
  if (main_rank) std::filesystem::create_directories(dir_);
  group_->barrier();
  const auto checkpoint_file = dir_ / "checkpoint.pt";
  torch::optim::AdamW optimizer(
      parameters, torch::optim::AdamWOptions(config_.lr).weight_decay(config_.weight_decay));
  StagePosition position;
  if (std::filesystem::exists(checkpoint_file)) {
    if (!resume) {
      throw std::runtime_error(checkpoint_file.string() +
                               " exists: pass --resume to continue, or choose another --out");
    }
    torch::serialize::InputArchive archive, model_archive, optimizer_archive;
    load_archive(archive, checkpoint_file);
    try {
      archive.read("model", model_archive);
      archive.read("optimizer", optimizer_archive);
      model.load(model_archive);
      optimizer.load(optimizer_archive);
      position = read_position(archive);
    } catch (const c10::Error& e) {
      throw std::runtime_error(checkpoint_file.string() + ": does not fit this " + name_ +
                               " model: " + e.what_without_backtrace());
    }
    if (main_rank) {
      spdlog::info("{}: resumed at epoch {} batch {}", name_, position.epoch, position.batch);
    }
  }
  SegmentationStageResult result;
  auto finish = [&](bool interrupted) {
    result.epochs_done = position.epoch;
    result.best_epoch = position.best_epoch;
    result.best_dice = position.best_dice;
    result.interrupted = interrupted;
    result.seconds = std::chrono::duration<double>(Clock::now() - start_time).count();
    return result;
  };
  if (position.finished) {
    if (main_rank)
      spdlog::info("{}: already finished (best validation Dice {:.4f} at epoch {})", name_,
                   position.best_dice, position.best_epoch);
    return finish(false);
  }

  model.to(device_);
  group_->broadcast_module(model);  // identical starting points on every rank
  dist::GradientReducer reducer(group_, parameters);
  const auto batch_size = config_.batch_size;
  const auto epoch_images =
      std::max(static_cast<int64_t>(train_rows.size()), config_.min_epoch_images);
  const auto batches = (epoch_images + batch_size - 1) / batch_size;
  std::ofstream history;
  std::optional<io::TensorBoardWriter> tensorboard;  // history.csv as TensorBoard scalars
  if (main_rank) {
    tensorboard.emplace(dir_);
    history.open(dir_ / "history.csv", std::ios::app);
    if (std::filesystem::file_size(dir_ / "history.csv") == 0) {
      history << "epoch,lr,train_loss,val_dice,best_dice,seconds\n";
    }
  }
  if (main_rank)
    spdlog::info("{}: {} training images, {} validation images, {} epochs of {} batches", name_,
                 train_rows.size(), val.size(), config_.epochs, batches);
  while (position.epoch < config_.epochs) {
    const auto epoch_start = Clock::now();
    const double lr = cosine_lr(config_, position.epoch);
    for (auto& group : optimizer.param_groups()) {
      static_cast<torch::optim::AdamWOptions&>(group.options()).lr(lr);
    }
    const std::vector<int64_t> order =
        epoch_order(train_rows, seed_, position.epoch, config_.min_epoch_images);
    std::ostringstream discarded;
    core::ProgressBar progress(
        fmt::format("{} epoch {}/{}", name_, position.epoch + 1, config_.epochs), batches,
        main_rank ? static_cast<std::ostream&>(std::cerr) : discarded, 10.0);
    if (position.batch > 0) progress.skip_to(position.batch, "resumed");
    model.train();
    // Where the epoch's time goes: batch assembly and augmentation, forward and loss, backward
    // (with the gradient all-reduce), the optimizer's update, validation.
    core::PhaseClock phases(device_);
    for (; position.batch < batches; ++position.batch) {
      const auto first = order.begin() + position.batch * batch_size;
      const std::vector<int64_t> rows(first, std::min(order.end(), first + batch_size));
      const torch::Tensor index = rows_tensor(rows);
      std::mt19937_64 zoom_rng(seed_ * 7919ULL + static_cast<uint64_t>(position.epoch) * 100003ULL +
                               static_cast<uint64_t>(position.batch));
      auto [images, masks] =
          data::random_zoom(train.images.index_select(0, index).to(device_),
                            train.masks.index_select(0, index).to(device_), zoom_, zoom_rng);
      phases.lap("data");
      // This rank's contiguous share of the global batch.
      const auto size = static_cast<int64_t>(rows.size());
      const int64_t share_begin = size * rank / world, share_end = size * (rank + 1) / world;
      const std::vector<int64_t> share(rows.begin() + share_begin, rows.begin() + share_end);
      optimizer.zero_grad();
      torch::Tensor loss = torch::zeros({}, torch::kDouble);
      if (!share.empty()) {
        torch::Tensor share_loss;
        {
          core::AutocastGuard autocast(device_, precision_);
          const torch::Tensor logits =
              forward(images.slice(0, share_begin, share_end), share, true);
          core::AutocastDisabledGuard full_precision;
          share_loss = dice_bce_loss(logits, masks.slice(0, share_begin, share_end));
        }
        phases.lap("forward");
        TORCH_CHECK(torch::isfinite(share_loss).item<bool>(), name_,
                    ": loss is not finite at epoch ", position.epoch, " batch ", position.batch);
        // Weighted by the share, so the all-reduced mean is the mean over the global batch.
        (share_loss * (static_cast<double>(share.size() * world) / static_cast<double>(size)))
            .backward();
        loss = share_loss.detach().to(torch::kCPU, torch::kDouble) *
               (static_cast<double>(share.size()) / static_cast<double>(size));
      }
      reducer.finish();
      phases.lap("backward");
      // One small collective for the batch loss and a stop request from any rank.
      torch::Tensor summary = torch::stack(
          {loss, torch::tensor(stop != nullptr && stop->load() ? 1.0 : 0.0, torch::kDouble)});
      group_->all_reduce_sum(summary);
      optimizer.step();
      group_->broadcast_module(model, /*buffers_only=*/true);  // rank 0's BatchNorm statistics
      phases.lap("update");
      position.loss_sum += summary[0].item<double>();
      ++position.loss_count;
      progress.update(
          position.batch + 1,
          fmt::format("loss {:.4f} lr {:.2e}",
                      position.loss_sum / static_cast<double>(position.loss_count), lr));
      if (summary[1].item<double>() > 0) {
        ++position.batch;
        if (main_rank) {
          save_stage(checkpoint_file, model, optimizer, position);
          spdlog::warn("{}: interrupted at epoch {} batch {}; checkpoint written", name_,
                       position.epoch, position.batch);
        }
        group_->barrier();
        return finish(true);
      }
    }
    const double train_loss =
        position.loss_sum / static_cast<double>(std::max<int64_t>(1, position.loss_count));
    phases.restart();
    // Each rank scores a share of the validation images; the per-image Dice sums are added.
    const SegmentationSummary local =
        evaluate_segmentation(model, val_forward, val, batch_size, config_.validation_images,
                              device_, precision_, {}, rank, world)
            .summary();
    torch::Tensor dice_sum = torch::tensor(
        {local.mean_dice * static_cast<double>(local.images), static_cast<double>(local.images)},
        torch::kDouble);
    group_->all_reduce_sum(dice_sum);
    const double dice = dice_sum[0].item<double>() / std::max(1.0, dice_sum[1].item<double>());
    phases.lap("validation");
    progress.finish(fmt::format("loss {:.4f} val Dice {:.4f}", train_loss, dice));
    if (dice > position.best_dice) {
      position.best_dice = dice;
      position.best_epoch = position.epoch;
      position.epochs_since_best = 0;
      if (main_rank) {
        torch::serialize::OutputArchive best;
        model.save(best);
        save_archive_atomically(best, dir_ / "best.pt");
      }
    } else {
      ++position.epochs_since_best;
    }
    const double seconds = std::chrono::duration<double>(Clock::now() - epoch_start).count();
    if (main_rank) {
      history << fmt::format("{},{:.6g},{:.6f},{:.6f},{:.6f},{:.1f}\n", position.epoch, lr,
                             train_loss, dice, position.best_dice, seconds)
              << std::flush;
      // The stage folders are TensorBoard runs; their tags match, so stages share charts.
      for (const auto& [tag, value] : {std::pair<const char*, double>{"train/lr", lr},
                                       {"train/loss", train_loss},
                                       {"train/epoch_seconds", seconds},
                                       {"validation/dice", dice},
                                       {"validation/best_dice", position.best_dice}}) {
        tensorboard->add_scalar(tag, value, position.epoch);
      }
      for (const auto& [phase, phase_seconds] : phases.totals()) {
        tensorboard->add_scalar("time/" + phase + "_seconds", phase_seconds, position.epoch);
      }
    }
    const int64_t left = config_.epochs - position.epoch - 1;
    if (main_rank)
      spdlog::info(
          "{} epoch {}: loss {:.4f}, val Dice {:.4f} (best {:.4f} at {}), {:.0f} s, ETA {}", name_,
          position.epoch, train_loss, dice, position.best_dice, position.best_epoch, seconds,
          core::ProgressBar::format_duration(seconds * static_cast<double>(left)));
    if (main_rank) spdlog::info("{} epoch {} time: {}", name_, position.epoch, phases.summary());
    ++position.epoch;
    position.batch = 0;
    position.loss_sum = 0;
    position.loss_count = 0;
    if (position.epochs_since_best >= config_.patience) {
      result.early_stopped = true;
      if (main_rank)
        spdlog::info("{}: early stop, no better validation Dice for {} epochs", name_,
                     config_.patience);
      break;
    }
    if (main_rank) save_stage(checkpoint_file, model, optimizer, position);
  }
  position.finished = true;
  if (main_rank) {
    save_stage(checkpoint_file, model, optimizer, position);
    if (!std::filesystem::exists(dir_ / "best.pt")) {  // zero epochs: keep the initial model
      torch::serialize::OutputArchive best;
      model.save(best);
      save_archive_atomically(best, dir_ / "best.pt");
    }
  }
  group_->barrier();  // the files exist before any rank reads them
  return finish(false);
}

}  // namespace protoseg::train
