#include "protoseg/eval/evaluation_volume.h"

#include <vector>

#include <torch/torch.h>

#include "protoseg/data/z_score.h"
#include "protoseg/io/volume_io.h"

namespace protoseg::eval {

namespace F = torch::nn::functional;

at::Tensor resize_slices(const at::Tensor& slices, int64_t height, int64_t width, bool nearest) {
  if (slices.size(-2) == height && slices.size(-1) == width) return slices;
  auto options = F::InterpolateFuncOptions().size(std::vector<int64_t>{height, width});
  if (nearest) {
    options.mode(torch::kNearest);
  } else {
    options.mode(torch::kBilinear).align_corners(false);
  }
  return F::interpolate(slices.unsqueeze(1).to(torch::kFloat), options).squeeze(1);
}

EvaluationVolume load_evaluation_volume(const data::VolumeDataset& dataset, size_t index,
                                        int size) {
  const auto image_file = dataset.image_path(index);
  const io::Volume image = io::read_volume(image_file);
  const io::Volume labels =
      io::read_label_map_for(dataset.label_path(index), image.geometry, image_file);
  const at::Tensor z_scored = data::z_score(image.data, image_file);
  return {dataset.ids()[index], z_scored, resize_slices(z_scored, size, size, false), labels.data};
}

}  // namespace protoseg::eval
