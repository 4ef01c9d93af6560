#pragma once

#include <filesystem>

#include <ATen/core/Tensor.h>

namespace protoseg::data {

/// Per-volume z-score `(x - mean) / std` (population std), the input normalisation of ADNet and
/// TPM for training and evaluation alike. Throws std::runtime_error naming `source` for a
/// constant image.
at::Tensor z_score(const at::Tensor& image, const std::filesystem::path& source);

}  // namespace protoseg::data
