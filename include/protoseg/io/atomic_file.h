#pragma once

#include <filesystem>
#include <string>

namespace protoseg::io {

/// Writes `bytes` to `file` atomically: a temporary file in the same folder, then a rename, so
/// readers see the old file or the whole new one and an interrupted write loses nothing.
/// Creates missing parent folders; throws std::runtime_error naming the file on failure.
void write_file_atomically(const std::filesystem::path& file, const std::string& bytes);

}  // namespace protoseg::io
