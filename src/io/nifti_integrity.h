#pragma once

#include <filesystem>

namespace protoseg::io {

/// Reads a NIfTI-1/2 file (.nii or .nii.gz) to its end and throws std::runtime_error naming the
/// file when the voxel data is shorter than the header promises (truncated download or copy),
/// the gzip stream is corrupt, or a float voxel is NaN or Inf. ITK cannot report these itself:
/// its NIfTI reader zero-fills short reads and silently replaces NaN and Inf with 0.
/// Files that are not NIfTI are left alone.
void check_nifti_integrity(const std::filesystem::path& file);

}  // namespace protoseg::io
