#include "train/prolearn_test_data.h"

#include <fstream>

#include <torch/torch.h>

#include "protoseg/io/image2d_io.h"
#include "test_paths.h"

namespace protoseg::testing {

train::ProLearnConfig tiny_prolearn_experiment(const std::filesystem::path& dir) {
  namespace fs = std::filesystem;
  for (const char* sub : {"images", "masks", "reports"}) fs::create_directories(dir / sub);
  torch::manual_seed(11);
  std::ofstream split(dir / "split.json");
  split << "{";
  int index = 0;
  for (const auto& [name, count] :
       {std::pair<const char*, int>{"train", 12}, {"val", 4}, {"test", 4}}) {
    split << (index > 0 ? ", " : "") << "\"" << name << "\": [";
    for (int i = 0; i < count; ++i, ++index) {
      const std::string id = "x" + std::to_string(index);
      const bool left = index % 2 == 0;
      torch::Tensor image = torch::rand({32, 32}) * 60;
      torch::Tensor mask = torch::zeros({32, 32});
      const int64_t x0 = left ? 4 : 18;
      image.slice(0, 10, 22).slice(1, x0, x0 + 10) += 150;
      mask.slice(0, 10, 22).slice(1, x0, x0 + 10).fill_(255);
      io::write_image(image.clamp(0, 255).to(torch::kUInt8), dir / "images" / (id + ".png"));
      io::write_image(mask.to(torch::kUInt8), dir / "masks" / (id + ".png"));
      std::ofstream(dir / "reports" / (id + ".txt"))
          << "unilateral pulmonary infection, one infected area, lower "
          << (left ? "left" : "right") << " lung.";
      split << (i > 0 ? ", " : "") << "\"" << id << "\"";
    }
    split << "]";
  }
  split << "}";
  split.close();

  train::ProLearnConfig config;
  config.data.root = dir;
  config.data.vocab = shared_data("text/cxr_bert_vocab.txt");
  config.data.image_size = 32;
  config.data.token_length = 16;
  config.text_fraction = 0.5;
  config.model.depth = 18;
  config.model.decoder_channels = {16, 16, 8, 8};
  config.model.channels_last = false;
  config.model.text_dim = 16;
  config.model.text_layers = 1;
  config.model.text_heads = 2;
  config.psa.sub_clusters = 2;
  config.psa.top_k = 2;
  config.psa.min_cluster_size = 2;
  for (train::StageConfig* stage : {&config.teacher, &config.student}) {
    stage->epochs = 1;
    stage->batch_size = 4;
    stage->lr = 1e-3;
  }
  config.precision = "fp32";
  config.device = "cpu";
  config.threads = 2;
  return config;
}

}  // namespace protoseg::testing
