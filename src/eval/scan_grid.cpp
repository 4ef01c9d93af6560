#include "protoseg/eval/scan_grid.h"

#include <torch/torch.h>

#include "protoseg/data/dataset_config.h"
#include "protoseg/data/z_score.h"
#include "protoseg/io/resample.h"

namespace protoseg::eval {

io::Geometry scan_grid(const io::Geometry& scan, const io::Geometry& reference,
                       const ScanGridOptions& options) {
  io::Geometry axes = reference;
  if (!options.orientation.empty()) {
    axes.direction = data::orientation_direction(options.orientation);
  }
  return io::segmentation_grid(scan, axes, options.size, options.field_of_view);
}

at::Tensor image_on_grid(const io::Volume& scan, const io::Geometry& grid,
                         const std::filesystem::path& source) {
  io::Volume normalised{data::z_score(scan.data, source), scan.geometry};
  const double outside = normalised.data.min().item<double>();
  return io::resample(normalised, grid, io::Interpolation::kLinear, outside).data;
}

at::Tensor labels_on_grid(const io::Volume& labels, const io::Geometry& grid) {
  return io::resample(labels, grid, io::Interpolation::kNearest).data.to(torch::kLong);
}

io::Volume labels_to_scan(const at::Tensor& labels, const io::Geometry& grid,
                          const io::Geometry& scan) {
  return io::resample({labels.to(torch::kLong).contiguous(), grid}, scan,
                      io::Interpolation::kNearest);
}

}  // namespace protoseg::eval
