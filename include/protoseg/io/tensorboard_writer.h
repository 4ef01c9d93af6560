#pragma once

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>

namespace protoseg::io {

/// Writes scalar summaries as a TensorBoard event file (`events.out.tfevents.<time>.<host>.<pid>`
/// in `dir`), readable by `tensorboard --logdir` and tf.data's TFRecord reader: TFRecord framing
/// (little-endian length, masked CRC-32C of length and payload) around `Event` protocol buffers
/// (wall_time, step, file_version or a Summary of {tag, simple_value}). The few fields needed
/// are encoded directly in the protobuf wire format, so no protobuf library or generated code
/// is involved. Every event is flushed as it is written; a resumed run adds a new file, which
/// TensorBoard reads together with the earlier ones.
class TensorBoardWriter {
 public:
  /// Creates `dir` when missing and writes the file-version event. Throws std::runtime_error
  /// naming the file when it cannot be created.
  explicit TensorBoardWriter(const std::filesystem::path& dir);

  /// One scalar at `step`, stamped with the current wall time.
  void add_scalar(const std::string& tag, double value, int64_t step);

  const std::filesystem::path& file() const { return file_; }

 private:
  void write_record(const std::string& payload);

  std::filesystem::path file_;
  std::ofstream out_;
};

/// CRC-32C (Castagnoli) of `bytes`, as TFRecord uses it before masking.
uint32_t crc32c(const std::string& bytes);

}  // namespace protoseg::io
