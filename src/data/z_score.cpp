#include "protoseg/data/z_score.h"

#include <stdexcept>

#include <torch/torch.h>

namespace protoseg::data {

at::Tensor z_score(const at::Tensor& image, const std::filesystem::path& source) {
  const at::Tensor std = image.std(/*unbiased=*/false);
  if (!(std.item<double>() > 0)) {
    throw std::runtime_error(source.string() + ": constant image cannot be z-scored");
  }
  return ((image - image.mean()) / std).contiguous();
}

}  // namespace protoseg::data
