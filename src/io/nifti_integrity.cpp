#include "nifti_integrity.h"

#include <zlib.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace protoseg::io {
namespace {

constexpr int32_t kNifti1HeaderSize = 348;
constexpr int32_t kNifti2HeaderSize = 540;
constexpr int16_t kFloat32 = 16;
constexpr int16_t kFloat64 = 64;

bool has_suffix(const std::string& text, const std::string& suffix) {
  return text.size() >= suffix.size() &&
         text.compare(text.size() - suffix.size(), suffix.size(), suffix) == 0;
}

template <class T>
T read_field(const unsigned char* header, size_t offset, bool swap) {
  T value;
  std::memcpy(&value, header + offset, sizeof(T));
  if (swap) {
    auto* bytes = reinterpret_cast<unsigned char*>(&value);
    for (size_t i = 0; i < sizeof(T) / 2; ++i) std::swap(bytes[i], bytes[sizeof(T) - 1 - i]);
  }
  return value;
}

struct GzCloser {
  void operator()(gzFile_s* file) const { gzclose(file); }
};

}  // namespace

void check_nifti_integrity(const std::filesystem::path& file) {
  const std::string name = file.filename().string();
  if (!has_suffix(name, ".nii") && !has_suffix(name, ".nii.gz")) return;
  auto fail = [&](const std::string& what) {
    throw std::runtime_error(file.string() + ": " + what);
  };

  std::unique_ptr<gzFile_s, GzCloser> in(gzopen(file.c_str(), "rb"));
  if (!in) fail("cannot open file");
  gzbuffer(in.get(), 1 << 17);
  unsigned char header[kNifti2HeaderSize];
  const int got = gzread(in.get(), header, 4);
  if (got != 4) fail("truncated NIfTI header");
  int32_t size = read_field<int32_t>(header, 0, false);
  bool swap = false;
  if (size != kNifti1HeaderSize && size != kNifti2HeaderSize) {
    size = read_field<int32_t>(header, 0, true);
    swap = true;
  }
  if (size != kNifti1HeaderSize && size != kNifti2HeaderSize) fail("not a NIfTI header");
  if (gzread(in.get(), header + 4, size - 4) != size - 4) fail("truncated NIfTI header");

  const bool nifti2 = size == kNifti2HeaderSize;
  int64_t dims[8];
  for (int i = 0; i < 8; ++i) {
    dims[i] = nifti2 ? read_field<int64_t>(header, 16 + 8 * i, swap)
                     : read_field<int16_t>(header, 40 + 2 * i, swap);
  }
  const int16_t datatype = read_field<int16_t>(header, nifti2 ? 12 : 70, swap);
  const int16_t bitpix = read_field<int16_t>(header, nifti2 ? 14 : 72, swap);
  const int64_t vox_offset = nifti2 ? read_field<int64_t>(header, 168, swap)
                                    : static_cast<int64_t>(read_field<float>(header, 108, swap));
  if (dims[0] < 1 || dims[0] > 7 || bitpix <= 0 || bitpix % 8 != 0) return;  // left to ITK
  int64_t voxels = 1;
  for (int i = 1; i <= dims[0]; ++i) voxels *= std::max<int64_t>(dims[i], 1);
  const int64_t element = bitpix / 8;
  const int64_t expected = voxels * element;

  // Skip extensions up to the voxel data.
  std::vector<unsigned char> buffer(size_t{1} << 20);
  int64_t position = size;
  while (position < vox_offset) {
    const auto want =
        static_cast<unsigned>(std::min<int64_t>(vox_offset - position, buffer.size()));
    const int n = gzread(in.get(), buffer.data(), want);
    if (n <= 0) break;
    position += n;
  }
  // Read the voxel data in element-aligned chunks, counting non-finite floats.
  const size_t chunk = buffer.size() / element * element;
  int64_t read = 0, non_finite = 0;
  while (read < expected) {
    const auto want = static_cast<unsigned>(std::min<int64_t>(expected - read, chunk));
    const int n = gzread(in.get(), buffer.data(), want);
    if (n <= 0) break;
    if (datatype == kFloat32 || datatype == kFloat64) {
      for (int64_t i = 0; i + element <= n; i += element) {
        const double value = datatype == kFloat32
                                 ? read_field<float>(buffer.data(), static_cast<size_t>(i), swap)
                                 : read_field<double>(buffer.data(), static_cast<size_t>(i), swap);
        non_finite += !std::isfinite(value);
      }
    }
    read += n;
  }
  int error = Z_OK;
  const char* message = gzerror(in.get(), &error);
  if (error != Z_OK && error != Z_STREAM_END) {
    fail(std::string("corrupt or truncated gzip stream (") + message + ")");
  }
  if (read < expected) {
    fail("truncated: the header promises " + std::to_string(expected) +
         " bytes of voxel data, the file holds " + std::to_string(read));
  }
  if (non_finite > 0) fail(std::to_string(non_finite) + " voxel(s) are NaN or Inf");
}

}  // namespace protoseg::io
