#pragma once

#include <filesystem>

#include <c10/core/ScalarType.h>

#include "protoseg/io/volume.h"

namespace protoseg::io {

/// Reads a 3D intensity volume (NIfTI .nii/.nii.gz with qform or sform, MHA/MHD, NRRD) of any
/// stored datatype into `dtype` (float32 or float64). Throws std::runtime_error naming the file
/// when it is missing, unreadable or truncated, not 3D, or holds NaN or Inf voxels.
Volume read_volume(const std::filesystem::path& file, c10::ScalarType dtype = c10::kFloat);

/// Reads a scan from a file (as read_volume) or from a folder holding one DICOM series (GDCM
/// through ITK: slices ordered by position, geometry from the headers). Throws
/// std::runtime_error naming the folder when it holds no DICOM series or several, or a slice
/// cannot be read.
Volume read_scan(const std::filesystem::path& file_or_folder, c10::ScalarType dtype = c10::kFloat);

/// Reads a 3D label map into int64. Throws like read_volume, and also when a voxel value is
/// not an integer.
Volume read_label_map(const std::filesystem::path& file);

/// Reads a label map and checks that it lies on `image_geometry`'s grid (size and spacing);
/// throws naming both files otherwise.
Volume read_label_map_for(const std::filesystem::path& file, const Geometry& image_geometry,
                          const std::filesystem::path& image_file);

/// Writes a volume with its geometry. The format follows the extension (.nii.gz is
/// compressed); float tensors are written as float32 (float64 stays float64), integer tensors as
/// int32 (uint8 stays uint8). The file appears atomically (temporary file, then rename).
void write_volume(const Volume& volume, const std::filesystem::path& file);

}  // namespace protoseg::io
