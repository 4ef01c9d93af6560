#include "protoseg/io/tensorboard_writer.h"

#include <unistd.h>

#include <array>
#include <chrono>
#include <cstring>
#include <stdexcept>

namespace protoseg::io {
namespace {

// Protocol buffer wire format: a key is (field number << 3) | wire type.
constexpr int kVarint = 0, kFixed64 = 1, kLengthDelimited = 2, kFixed32 = 5;

void put_varint(std::string& out, uint64_t value) {
  while (value >= 0x80) {
    out.push_back(static_cast<char>((value & 0x7F) | 0x80));
    value >>= 7;
  }
  out.push_back(static_cast<char>(value));
}

void put_key(std::string& out, int field, int wire_type) {
  put_varint(out, (static_cast<uint64_t>(field) << 3) | static_cast<uint64_t>(wire_type));
}

template <class T>
void put_little_endian(std::string& out, T value) {
  unsigned char bytes[sizeof(T)];
  std::memcpy(bytes, &value, sizeof(T));  // x86 and ARM Linux are little-endian
  out.append(reinterpret_cast<const char*>(bytes), sizeof(T));
}

void put_bytes(std::string& out, int field, const std::string& bytes) {
  put_key(out, field, kLengthDelimited);
  put_varint(out, bytes.size());
  out += bytes;
}

double now_seconds() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

/// tensorflow.Event {double wall_time = 1; int64 step = 2; oneof {string file_version = 3;
/// Summary summary = 5;}}.
std::string event(double wall_time, int64_t step) {
  std::string out;
  put_key(out, 1, kFixed64);
  put_little_endian(out, wall_time);
  put_key(out, 2, kVarint);
  put_varint(out, static_cast<uint64_t>(step));
  return out;
}

uint32_t masked(uint32_t crc) { return ((crc >> 15) | (crc << 17)) + 0xa282ead8u; }

std::string host_name() {
  char name[256] = {0};
  if (gethostname(name, sizeof(name) - 1) != 0 || name[0] == '\0') return "localhost";
  return name;
}

}  // namespace

uint32_t crc32c(const std::string& bytes) {
  static const std::array<uint32_t, 256> table = [] {
    std::array<uint32_t, 256> t{};
    for (uint32_t i = 0; i < 256; ++i) {
      uint32_t c = i;
      for (int k = 0; k < 8; ++k) c = (c & 1) ? (c >> 1) ^ 0x82F63B78u : c >> 1;
      t[i] = c;
    }
    return t;
  }();
  uint32_t crc = 0xFFFFFFFFu;
  for (unsigned char byte : bytes) crc = table[(crc ^ byte) & 0xFF] ^ (crc >> 8);
  return crc ^ 0xFFFFFFFFu;
}

TensorBoardWriter::TensorBoardWriter(const std::filesystem::path& dir) {
  std::filesystem::create_directories(dir);
  const double now = now_seconds();
  file_ = dir / ("events.out.tfevents." + std::to_string(static_cast<int64_t>(now)) + "." +
                 host_name() + "." + std::to_string(getpid()));
  out_.open(file_, std::ios::binary | std::ios::app);
  if (!out_) throw std::runtime_error(file_.string() + ": cannot create the event file");
  std::string version = event(now, 0);
  put_bytes(version, 3, "brain.Event:2");
  write_record(version);
}

void TensorBoardWriter::add_scalar(const std::string& tag, double value, int64_t step) {
  // Summary {repeated Value value = 1;}, Value {string tag = 1; float simple_value = 2;}.
  std::string value_message;
  put_bytes(value_message, 1, tag);
  put_key(value_message, 2, kFixed32);
  put_little_endian(value_message, static_cast<float>(value));
  std::string summary;
  put_bytes(summary, 1, value_message);
  std::string message = event(now_seconds(), step);
  put_bytes(message, 5, summary);
  write_record(message);
}

void TensorBoardWriter::write_record(const std::string& payload) {
  std::string length;
  put_little_endian(length, static_cast<uint64_t>(payload.size()));
  std::string record = length;
  put_little_endian(record, masked(crc32c(length)));
  record += payload;
  put_little_endian(record, masked(crc32c(payload)));
  out_.write(record.data(), static_cast<std::streamsize>(record.size()));
  out_.flush();
  if (!out_) throw std::runtime_error(file_.string() + ": cannot write");
}

}  // namespace protoseg::io
