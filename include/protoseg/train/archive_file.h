#pragma once

#include <filesystem>

#include <torch/serialize/input-archive.h>
#include <torch/serialize/output-archive.h>

namespace protoseg::train {

/// Writes `archive` to `file` atomically: a temporary file in the same folder is written,
/// flushed to disk and renamed, so an interrupted write never leaves a damaged file. Throws
/// std::runtime_error naming the file.
void save_archive_atomically(torch::serialize::OutputArchive& archive,
                             const std::filesystem::path& file);

/// Reads an archive written by save_archive_atomically. Throws std::runtime_error naming the
/// file when it is missing or unreadable.
void load_archive(torch::serialize::InputArchive& archive, const std::filesystem::path& file);

}  // namespace protoseg::train
