#include "protoseg/supervoxel/supervoxels.h"

#include <future>

#include <torch/torch.h>

#include "protoseg/supervoxel/body_mask.h"
#include "protoseg/supervoxel/felzenszwalb3d.h"

namespace protoseg::supervoxel {

at::Tensor rescale_to_255(const at::Tensor& image) {
  const at::Tensor x = image.to(torch::kCPU, torch::kFloat64).contiguous();
  const double low = x.min().item<double>();
  const double range = x.max().item<double>() - low;
  if (range <= 0.0) return torch::zeros_like(x);
  // Same operation order as the reference: (255 * (x - min)) / range.
  return (x - low).mul(255.0).div(range);
}

at::Tensor make_supervoxels(const io::Volume& image, const SupervoxelOptions& options,
                            FelzenszwalbWorkspace* workspace) {
  TORCH_CHECK(options.n_sv >= 1, "make_supervoxels: n_sv must be >= 1, got ", options.n_sv);
  const at::Tensor scaled = rescale_to_255(image.data);
  FelzenszwalbOptions felzenszwalb;
  felzenszwalb.scale = 1.0;
  felzenszwalb.min_size = options.n_sv;
  // ITK spacing is (x, y, z); ADNet weights z edges by (z spacing / x spacing)^2.
  felzenszwalb.z_over_xy_spacing = image.geometry.spacing[2] / image.geometry.spacing[0];
  felzenszwalb.threads = options.threads;
  // The body mask needs only the image: compute it on the side while the graph is segmented
  // (it fills the moments when the sort runs on fewer threads than there are cores).
  auto mask = std::async(std::launch::async, [&] {
    return body_mask(scaled, options.body_threshold, /*parallel=*/false);
  });
  at::Tensor labels = felzenszwalb3d(scaled, felzenszwalb, nullptr, workspace);

  const int32_t renumbered = labels.max().item<int32_t>() + 1;
  labels.masked_fill_(labels == 0, renumbered);
  labels.masked_fill_(mask.get().logical_not(), 0);
  return labels;
}

}  // namespace protoseg::supervoxel
