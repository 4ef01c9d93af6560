#include "protoseg/train/archive_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <stdexcept>

namespace protoseg::train {
namespace {

void sync_file(const std::filesystem::path& file) {
  const int fd = ::open(file.c_str(), O_RDONLY);
  if (fd < 0) throw std::runtime_error(file.string() + ": cannot reopen to flush");
  const int rc = ::fsync(fd);
  ::close(fd);
  if (rc != 0) throw std::runtime_error(file.string() + ": fsync failed");
}

}  // namespace

void save_archive_atomically(torch::serialize::OutputArchive& archive,
                             const std::filesystem::path& file) {
  const std::filesystem::path temporary = file.string() + ".tmp";
  try {
    archive.save_to(temporary.string());
    sync_file(temporary);
    std::filesystem::rename(temporary, file);
  } catch (const std::exception& e) {
    std::error_code ignored;
    std::filesystem::remove(temporary, ignored);
    throw std::runtime_error(file.string() + ": cannot write: " + e.what());
  }
}

void load_archive(torch::serialize::InputArchive& archive, const std::filesystem::path& file) {
  if (!std::filesystem::exists(file)) throw std::runtime_error(file.string() + ": not found");
  try {
    archive.load_from(file.string());
  } catch (const c10::Error& e) {
    throw std::runtime_error(file.string() + ": unreadable: " + e.what_without_backtrace());
  }
}

}  // namespace protoseg::train
