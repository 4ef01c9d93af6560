#pragma once

#include <filesystem>

#include <ATen/core/Tensor.h>

namespace protoseg::io {

/// Reads a 2D image (PNG, JPEG, ...) as grayscale float32 [H, W] with values 0..255.
/// Colour images are converted to gray. Throws std::runtime_error naming the file when it is
/// missing or cannot be decoded.
at::Tensor read_gray_image(const std::filesystem::path& file);

/// Reads a 2D image as RGB float32 [3, H, W] with values 0..255 (gray images are repeated).
/// Throws like read_gray_image.
at::Tensor read_rgb_image(const std::filesystem::path& file);

/// Writes a [H, W] (gray) or [H, W, 3] (RGB) uint8 tensor as PNG/JPEG by extension, atomically
/// (see write_file_atomically); throws std::runtime_error naming the file on failure.
void write_image(const at::Tensor& image, const std::filesystem::path& file);

}  // namespace protoseg::io
