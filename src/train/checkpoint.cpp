#include "protoseg/train/checkpoint.h"

#include <stdexcept>

#include <torch/serialize.h>
#include <torch/torch.h>

#include "protoseg/train/archive_file.h"

namespace protoseg::train {

void save_checkpoint(const std::filesystem::path& file, const torch::nn::Module& model,
                     const Sgd& optimizer, const TrainingState& state) {
  torch::serialize::OutputArchive archive;
  torch::serialize::OutputArchive model_archive, optimizer_archive;
  model.save(model_archive);
  optimizer.save(optimizer_archive);
  archive.write("model", model_archive);
  archive.write("optimizer", optimizer_archive);
  archive.write("step", torch::tensor(state.step));
  archive.write("next_episode", torch::tensor(state.next_episode));

  save_archive_atomically(archive, file);
}

TrainingState load_checkpoint(const std::filesystem::path& file, torch::nn::Module& model,
                              Sgd& optimizer) {
  if (!std::filesystem::exists(file)) {
    throw std::runtime_error(file.string() + ": checkpoint not found");
  }
  try {
    torch::serialize::InputArchive archive;
    archive.load_from(file.string());
    torch::serialize::InputArchive model_archive, optimizer_archive;
    archive.read("model", model_archive);
    archive.read("optimizer", optimizer_archive);
    model.load(model_archive);
    optimizer.load(optimizer_archive);
    torch::Tensor step, next_episode;
    archive.read("step", step);
    archive.read("next_episode", next_episode);
    return {step.item<int64_t>(), next_episode.item<int64_t>()};
  } catch (const c10::Error& e) {
    throw std::runtime_error(file.string() +
                             ": unreadable checkpoint: " + e.what_without_backtrace());
  }
}

}  // namespace protoseg::train
