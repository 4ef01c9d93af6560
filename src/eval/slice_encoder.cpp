#include "protoseg/eval/slice_encoder.h"

#include <algorithm>
#include <stdexcept>
#include <vector>

#include <torch/torch.h>

namespace protoseg::eval {

SliceEncoder make_slice_encoder(models::FewShotEncoder encoder, c10::Device device,
                                core::Precision precision) {
  return [encoder, device, precision](const at::Tensor& images) mutable {
    torch::NoGradGuard no_grad;
    core::AutocastGuard autocast(device, precision);
    return encoder->forward(images).to(torch::kFloat);
  };
}

at::Tensor encode_slices(const SliceEncoder& encoder, const at::Tensor& slices, int batch_size,
                         c10::Device device) {
  if (slices.dim() != 3 || slices.size(0) == 0) {
    throw std::invalid_argument("encode_slices expects slices [D, S, S] with D > 0");
  }
  if (batch_size < 1) throw std::invalid_argument("encode_slices: batch_size must be >= 1");
  std::vector<at::Tensor> parts;
  const int64_t depth = slices.size(0);
  for (int64_t begin = 0; begin < depth; begin += batch_size) {
    const int64_t end = std::min<int64_t>(depth, begin + batch_size);
    parts.push_back(encoder(slices.slice(0, begin, end).unsqueeze(1).to(device)));
  }
  return parts.size() == 1 ? parts.front() : torch::cat(parts);
}

}  // namespace protoseg::eval
