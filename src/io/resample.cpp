#include "protoseg/io/resample.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include <torch/torch.h>

namespace protoseg::io {
namespace {

at::Tensor direction_matrix(const Geometry& g) {
  return torch::tensor(std::vector<double>(g.direction.begin(), g.direction.end()), torch::kDouble)
      .reshape({3, 3});
}

}  // namespace

at::Tensor index_to_world(const Geometry& geometry) {
  at::Tensor affine = torch::eye(4, torch::kDouble);
  const at::Tensor spacing = torch::tensor(
      std::vector<double>(geometry.spacing.begin(), geometry.spacing.end()), torch::kDouble);
  affine.slice(0, 0, 3).slice(1, 0, 3).copy_(direction_matrix(geometry) * spacing.unsqueeze(0));
  affine.slice(0, 0, 3).select(1, 3).copy_(torch::tensor(
      std::vector<double>(geometry.origin.begin(), geometry.origin.end()), torch::kDouble));
  return affine;
}

Volume resample(const Volume& source, const Geometry& target, Interpolation interpolation,
                double outside) {
  const Geometry& s = source.geometry;
  TORCH_CHECK(source.data.dim() == 3 && source.data.size(0) == s.size[2] &&
                  source.data.size(1) == s.size[1] && source.data.size(2) == s.size[0],
              "resample: data ", source.data.sizes(), " does not match its geometry ",
              s.describe());
  torch::NoGradGuard no_grad;
  // Target voxel centres (x fastest) -> source continuous indices, in float64.
  const at::Tensor to_source = torch::linalg_inv(index_to_world(s)).matmul(index_to_world(target));
  const auto x = torch::arange(target.size[0], torch::kDouble);
  const auto y = torch::arange(target.size[1], torch::kDouble);
  const auto z = torch::arange(target.size[2], torch::kDouble);
  const auto grid = torch::meshgrid({z, y, x}, "ij");  // [D', H', W'] each
  const at::Tensor index =
      torch::stack({grid[2], grid[1], grid[0], torch::ones_like(grid[0])}, -1);  // [.., 4]
  const at::Tensor mapped = index.matmul(to_source.t()).narrow(-1, 0, 3);        // (i, j, k)
  // grid_sample's normalised coordinates (align_corners = true): -1 and 1 at the first and
  // last voxel centres; a one-voxel axis spans [-0.5, 0.5] voxels.
  std::vector<at::Tensor> normalised;
  for (int a = 0; a < 3; ++a) {
    const double n = static_cast<double>(s.size[a]);
    const at::Tensor c = mapped.select(-1, a);
    normalised.push_back(n > 1 ? 2.0 * c / (n - 1.0) - 1.0 : 2.0 * c);
  }
  const at::Tensor sampling = torch::stack(normalised, -1).to(torch::kFloat).unsqueeze(0);
  const bool nearest = interpolation == Interpolation::kNearest;
  const at::Tensor values = source.data.to(torch::kFloat).sub(outside).unsqueeze(0).unsqueeze(0);
  torch::nn::functional::GridSampleFuncOptions sample_options;
  sample_options.padding_mode(torch::kZeros).align_corners(true);
  if (nearest) {
    sample_options.mode(torch::kNearest);
  } else {
    sample_options.mode(torch::kBilinear);
  }
  at::Tensor sampled = torch::nn::functional::grid_sample(values, sampling, sample_options);
  sampled = sampled[0][0].add(outside);
  Volume out;
  out.geometry = target;
  out.data = nearest && !at::isFloatingType(source.data.scalar_type())
                 ? sampled.round().to(source.data.scalar_type())
                 : sampled.contiguous();
  return out;
}

Geometry segmentation_grid(const Geometry& query, const Geometry& model, int64_t size,
                           double field_of_view) {
  const at::Tensor query_to_world = index_to_world(query);
  const at::Tensor axes = direction_matrix(model);  // columns: model x, y, z in world
  const at::Tensor query_axes = direction_matrix(query);
  // Query corners in world space, then along the model's axes.
  std::vector<at::Tensor> corners;
  for (int corner = 0; corner < 8; ++corner) {
    corners.push_back(torch::tensor(
        {corner & 1 ? double(query.size[0] - 1) : 0.0, corner & 2 ? double(query.size[1] - 1) : 0.0,
         corner & 4 ? double(query.size[2] - 1) : 0.0, 1.0},
        torch::kDouble));
  }
  const at::Tensor world = torch::stack(corners).matmul(query_to_world.t()).narrow(1, 0, 3);
  const at::Tensor local = world.matmul(axes);  // [8, 3] coordinates along the model axes
  const at::Tensor low = std::get<0>(local.min(0)), high = std::get<0>(local.max(0));

  Geometry grid;
  grid.direction = model.direction;
  for (int a = 0; a < 3; ++a) {
    // The query axis that runs along model axis a, and its spacing.
    const at::Tensor alignment = axes.select(1, a).matmul(query_axes).abs();  // [3]
    const int64_t b = alignment.argmax().item<int64_t>();
    const double query_spacing = query.spacing[static_cast<size_t>(b)];
    const double query_extent =
        query_spacing * static_cast<double>(query.size[static_cast<size_t>(b)]);
    grid.spacing[static_cast<size_t>(a)] =
        a == 2 ? query_spacing
               : (field_of_view > 0 ? field_of_view : query_extent) / static_cast<double>(size);
  }
  const double extent = high[2].item<double>() - low[2].item<double>();
  grid.size = {size, size, std::max<int64_t>(1, std::llround(extent / grid.spacing[2]) + 1)};
  std::array<double, 3> start{};
  for (int a = 0; a < 2; ++a) {
    const double centre = (low[a].item<double>() + high[a].item<double>()) / 2.0;
    start[static_cast<size_t>(a)] =
        centre - grid.spacing[static_cast<size_t>(a)] * static_cast<double>(size - 1) / 2.0;
  }
  start[2] = low[2].item<double>();
  const at::Tensor origin =
      axes.matmul(torch::tensor({start[0], start[1], start[2]}, torch::kDouble));
  for (int a = 0; a < 3; ++a) grid.origin[static_cast<size_t>(a)] = origin[a].item<double>();
  return grid;
}

}  // namespace protoseg::io
