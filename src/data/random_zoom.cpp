#include "protoseg/data/random_zoom.h"

#include <torch/torch.h>

namespace protoseg::data {

std::pair<at::Tensor, at::Tensor> random_zoom(const at::Tensor& images, const at::Tensor& masks,
                                              const RandomZoomOptions& options,
                                              std::mt19937_64& rng) {
  TORCH_CHECK(images.dim() == 4 && masks.dim() == 4 && images.size(0) == masks.size(0) &&
                  images.size(2) == masks.size(2) && images.size(3) == masks.size(3),
              "random_zoom: images ", images.sizes(), " and masks ", masks.sizes(),
              " must be [B, C, H, W] and [B, 1, H, W]");
  TORCH_CHECK(options.min_zoom > 0 && options.min_zoom <= options.max_zoom,
              "random_zoom: need 0 < min_zoom <= max_zoom");
  const int64_t batch = images.size(0);
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  std::vector<float> inverse_zoom(static_cast<size_t>(batch), 1.0F);
  bool any = false;
  for (auto& value : inverse_zoom) {
    if (unit(rng) < options.probability) {
      value = static_cast<float>(
          1.0 / (options.min_zoom + (options.max_zoom - options.min_zoom) * unit(rng)));
      any = true;
    }
  }
  if (!any) return {images, masks};
  const torch::Tensor scale =
      torch::tensor(inverse_zoom, images.options().dtype(torch::kFloat)).view({batch, 1, 1});
  torch::Tensor theta = torch::zeros({batch, 2, 3}, scale.options());
  theta.index_put_({torch::indexing::Slice(), 0, 0}, scale.view({batch}));
  theta.index_put_({torch::indexing::Slice(), 1, 1}, scale.view({batch}));
  const torch::Tensor grid = torch::nn::functional::affine_grid(
      theta, {batch, 1, images.size(2), images.size(3)}, /*align_corners=*/false);
  namespace F = torch::nn::functional;
  const torch::Tensor zoomed_images = F::grid_sample(images.to(torch::kFloat), grid,
                                                     F::GridSampleFuncOptions()
                                                         .mode(torch::kBilinear)
                                                         .padding_mode(torch::kBorder)
                                                         .align_corners(false));
  const torch::Tensor zoomed_masks = F::grid_sample(masks.to(torch::kFloat), grid,
                                                    F::GridSampleFuncOptions()
                                                        .mode(torch::kNearest)
                                                        .padding_mode(torch::kZeros)
                                                        .align_corners(false));
  return {zoomed_images.to(images.scalar_type()), zoomed_masks.to(masks.scalar_type())};
}

}  // namespace protoseg::data
