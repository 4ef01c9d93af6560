#include "protoseg/io/tensorboard_writer.h"

#include <cstring>
#include <fstream>
#include <iterator>
#include <vector>

#include <gtest/gtest.h>

#include "test_paths.h"

namespace protoseg::io {
namespace {

namespace fs = std::filesystem;

uint32_t masked(uint32_t crc) { return ((crc >> 15) | (crc << 17)) + 0xa282ead8u; }

template <class T>
T read_le(const std::string& bytes, size_t at) {
  T value;
  std::memcpy(&value, bytes.data() + at, sizeof(T));
  return value;
}

/// The payloads of a TFRecord file, checking both CRCs of every record.
std::vector<std::string> read_records(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  const std::string data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::vector<std::string> payloads;
  size_t at = 0;
  while (at < data.size()) {
    const auto length = read_le<uint64_t>(data, at);
    EXPECT_EQ(read_le<uint32_t>(data, at + 8), masked(crc32c(data.substr(at, 8))));
    const std::string payload = data.substr(at + 12, length);
    EXPECT_EQ(read_le<uint32_t>(data, at + 12 + length), masked(crc32c(payload)));
    payloads.push_back(payload);
    at += 12 + length + 4;
  }
  EXPECT_EQ(at, data.size());
  return payloads;
}

TEST(TensorBoardWriterTest, Crc32cMatchesTheCastagnoliCheckValue) {
  EXPECT_EQ(crc32c("123456789"), 0xE3069283u);
  EXPECT_EQ(crc32c(""), 0u);
}

TEST(TensorBoardWriterTest, WritesAVersionEventThenOneEventPerScalar) {
  const fs::path dir = testing::fresh_temp_dir("tensorboard") / "run";
  TensorBoardWriter writer(dir);
  writer.add_scalar("train/loss", 0.25, 300);
  EXPECT_EQ(writer.file().parent_path(), dir);
  EXPECT_EQ(writer.file().filename().string().rfind("events.out.tfevents.", 0), 0u);
  const std::vector<std::string> records = read_records(writer.file());
  ASSERT_EQ(records.size(), 2u);
  // Event 1: wall_time (key 0x09, 8 bytes), step 0 (0x10 0x00), file_version (0x1a, length 13).
  EXPECT_EQ(records[0][0], '\x09');
  EXPECT_EQ(records[0].substr(9, 2), std::string("\x10\x00", 2));
  EXPECT_EQ(records[0].substr(11), std::string("\x1a\x0d") + "brain.Event:2");
  // Event 2: step 300 as a varint (0xac 0x02), then summary (0x2a) > value (0x0a) > tag (0x0a)
  // and simple_value (0x15, float32 little-endian).
  const std::string& scalar = records[1];
  EXPECT_EQ(scalar.substr(9, 3), std::string("\x10\xac\x02"));
  const std::string tag = "train/loss";
  const std::string value_message = std::string("\x0a") + static_cast<char>(tag.size()) + tag +
                                    "\x15" + std::string("\x00\x00\x80\x3e", 4);  // 0.25f
  EXPECT_EQ(scalar.substr(12), std::string("\x2a") + static_cast<char>(value_message.size() + 2) +
                                   "\x0a" + static_cast<char>(value_message.size()) +
                                   value_message);
  const double wall_time = read_le<double>(scalar, 1);
  EXPECT_GT(wall_time, 1.7e9);  // seconds since 1970, after 2023
}

TEST(TensorBoardWriterTest, AnUnwritableFolderIsAnErrorNamingIt) {
  const fs::path dir = testing::fresh_temp_dir("tensorboard_bad");
  std::ofstream(dir / "file") << "x";
  EXPECT_THROW(TensorBoardWriter(dir / "file" / "run"), std::exception);
}

}  // namespace
}  // namespace protoseg::io
