#pragma once

#include <random>

#include <ATen/core/Tensor.h>

#include "protoseg/data/image_report_dataset.h"

namespace protoseg::eval {

/// `set` with every image given another image's report: the reports move one step along a
/// random cycle through all images, so no image keeps its own (given at least two images).
/// Does the text-guided model read its report at all? Score it on this.
data::ImageReportSet with_reports_of_others(const data::ImageReportSet& set,
                                            std::mt19937_64& generator);

/// `set` with image i given the report of row `source[i]` of `references` (`source` [N] int64
/// on the CPU), e.g. the report of its nearest paired training image. Throws
/// std::invalid_argument when `source` does not have one row per image or names a row
/// `references` does not have.
data::ImageReportSet with_reports_from(const data::ImageReportSet& set,
                                       const data::ImageReportSet& references,
                                       const at::Tensor& source);

}  // namespace protoseg::eval
