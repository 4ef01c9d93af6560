// convert-weights: weights from and to other code bases.
//   --tfjs model.json --out resnet50.pth: Keras' ImageNet ResNet-50 (TF.js layers format) as a
//     torchvision-named state dict for protoseg's ResNet-50 (stride_in_1x1);
//   --to-reference RUN/model.pth --out model_tpm_fss.pth: a train-tpm model in the names of the
//     reference TPM code (hjk92g/TPM-FSS FewShotSeg), loadable there with strict=True.
#include <filesystem>
#include <string>

#include <spdlog/spdlog.h>
#include <CLI/CLI.hpp>

#include "protoseg/config/load_config.h"
#include "protoseg/core/cli_main.h"
#include "protoseg/core/logging.h"
#include "protoseg/io/tfjs_weights.h"
#include "protoseg/io/torch_state_dict.h"
#include "protoseg/models/keras_resnet_conversion.h"
#include "protoseg/models/load_weights.h"
#include "protoseg/models/reference_checkpoint.h"
#include "protoseg/models/resnet.h"
#include "protoseg/train/train_config.h"
#include "protoseg/train/trainer.h"

namespace fs = std::filesystem;
using namespace protoseg;

int main(int argc, char** argv) {
  CLI::App app{
      "Convert weights: Keras' ImageNet ResNet-50 to protoseg (--tfjs), or a train-tpm "
      "model to the reference TPM code's checkpoint names (--to-reference)"};
  fs::path tfjs_model, model_file, config_file, out;
  auto* tfjs = app.add_option("--tfjs", tfjs_model, "model.json of the TF.js layers model");
  auto* to_reference = app.add_option("--to-reference", model_file, "model.pth of a train-tpm run");
  tfjs->excludes(to_reference);
  app.add_option("--config", config_file,
                 "with --to-reference: the run's config.yaml (default: next to the model)");
  app.add_option("--out", out, "output .pth (torch.save format)")->required();
  CLI11_PARSE(app, argc, argv);

  return core::run_cli("convert-weights", [&] {
    core::setup_logging("info");
    if (tfjs->count() > 0) {
      const io::TfjsModel keras = io::read_tfjs_model(tfjs_model);
      const io::StateDict state = models::convert_keras_resnet50(keras);
      // The result must fit protoseg's ResNet-50 exactly.
      models::ResNet resnet(models::ResNetOptions(50).stride_in_1x1(true));
      const auto report = models::load_state_dict(*resnet, state);
      io::write_torch_state_dict(state, out);
      spdlog::info("{} Keras tensors -> {}: {}", keras.weights.size(), out.string(),
                   report.summary());
      return 0;
    }
    if (to_reference->count() == 0) throw std::runtime_error("give --tfjs or --to-reference");
    if (config_file.empty()) config_file = model_file.parent_path() / "config.yaml";
    const auto config = config::load_config<train::TrainConfig>(config_file);
    models::FewShotSegmenter model = train::make_segmenter(config);
    try {
      models::load_state_dict(*model, io::read_torch_state_dict(model_file));
    } catch (const std::exception& e) {
      throw std::runtime_error(model_file.string() + ": not a model of " + config_file.string() +
                               ": " + e.what());
    }
    const io::StateDict reference =
        models::to_reference_checkpoint(models::state_dict_of(*model), model->head->options,
                                        model->head->average_estimated_prior());
    io::write_torch_state_dict(reference, out);
    spdlog::info("{} -> {}: {} entries in the names of TPM-FSS FewShotSeg ({})",
                 model_file.string(), out.string(), reference.size(),
                 config.encoder.depth == 101 ? "its ResNet-101 loads it with strict=True"
                                             : "a ResNet-" + std::to_string(config.encoder.depth) +
                                                   " trunk; the reference builds ResNet-101");
    return 0;
  });
}
