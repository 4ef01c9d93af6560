#pragma once

#include <cstdint>
#include <filesystem>
#include <string>

#include <ATen/core/Tensor.h>

#include "protoseg/io/volume.h"

namespace protoseg::eval {

/// How scans of any origin (size, spacing, orientation) are brought to what the model was
/// trained on: the training volumes' axes and in-plane field of view (the dataset file's
/// `orientation` and `field_of_view`), the model's slice size.
struct ScanGridOptions {
  /// Axis codes of the training volumes (e.g. "LAS"); empty: the reference scan's axes.
  std::string orientation;
  /// In-plane extent of the training slices, mm; 0: each scan's own (its slices resized).
  double field_of_view = 0.0;
  /// Slices are size x size voxels.
  int64_t size = 256;
};

/// The grid `scan` is segmented on (io::segmentation_grid): the axes of `options.orientation`,
/// or those of `reference` (the support scan) when it is empty.
io::Geometry scan_grid(const io::Geometry& scan, const io::Geometry& reference,
                       const ScanGridOptions& options);

/// The scan's intensities z-scored over the scan itself (as in training), then resampled
/// (trilinear) onto `grid`, where points outside the scan read its minimum: [D, S, S] float32.
/// `source` names the file in errors (constant or non-finite scans).
at::Tensor image_on_grid(const io::Volume& scan, const io::Geometry& grid,
                         const std::filesystem::path& source);

/// A label map resampled (nearest) onto `grid`: [D, S, S] int64, 0 outside.
at::Tensor labels_on_grid(const io::Volume& labels, const io::Geometry& grid);

/// Labels [D, S, S] on `grid` mapped back (nearest) onto the scan's own geometry: the volume to
/// write, overlaying the scan exactly.
io::Volume labels_to_scan(const at::Tensor& labels, const io::Geometry& grid,
                          const io::Geometry& scan);

}  // namespace protoseg::eval
