#include "protoseg/io/volume_io.h"

#include <unistd.h>

#include <cmath>
#include <future>
#include <stdexcept>
#include <string>
#include <system_error>
#include <vector>

#include <itkGDCMImageIO.h>
#include <itkGDCMSeriesFileNames.h>
#include <itkImage.h>
#include <itkImageFileReader.h>
#include <itkImageFileWriter.h>
#include <itkImageIOBase.h>
#include <itkImageIOFactory.h>
#include <itkImageSeriesReader.h>
#include <torch/torch.h>

#include "nifti_integrity.h"

namespace protoseg::io {
namespace {

constexpr unsigned kDim = 3;

[[noreturn]] void fail(const std::filesystem::path& file, const std::string& what) {
  throw std::runtime_error(file.string() + ": " + what);
}

// ITK's messages carry source locations; keep only the description.
std::string itk_reason(const itk::ExceptionObject& e) {
  std::string text = e.GetDescription();
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  return text;
}

itk::ImageIOBase::Pointer open_image_io(const std::filesystem::path& file) {
  std::error_code error;
  if (!std::filesystem::exists(file, error)) fail(file, "file not found");
  if (!std::filesystem::is_regular_file(file, error)) fail(file, "not a regular file");
  if (::access(file.c_str(), R_OK) != 0) fail(file, "file is not readable (permission denied)");
  if (std::filesystem::file_size(file, error) == 0) fail(file, "file is empty");
  itk::ImageIOBase::Pointer io = itk::ImageIOFactory::CreateImageIO(
      file.c_str(), itk::ImageIOFactory::IOFileModeEnum::ReadMode);
  if (!io) fail(file, "unsupported format or corrupt header (expected NIfTI, MHA/MHD or NRRD)");
  io->SetFileName(file.string());
  try {
    io->ReadImageInformation();
  } catch (const itk::ExceptionObject& e) {
    fail(file, "cannot read header: " + itk_reason(e));
  }
  const unsigned dims = io->GetNumberOfDimensions();
  if (dims != kDim) {
    std::string size;
    for (unsigned a = 0; a < dims; ++a)
      size += (a ? "x" : "") + std::to_string(io->GetDimensions(a));
    fail(file, "expected a 3D image, found " + std::to_string(dims) + "D (" + size + ")");
  }
  if (io->GetNumberOfComponents() != 1) {
    fail(file,
         "expected one component per voxel, found " + std::to_string(io->GetNumberOfComponents()));
  }
  return io;
}

using DoubleImage = itk::Image<double, kDim>;

Volume volume_from_itk(const DoubleImage::Pointer& image, const std::filesystem::path& file);

// Reads the file as float64 [D,H,W] together with its geometry.
Volume read_as_double(const std::filesystem::path& file) {
  itk::ImageIOBase::Pointer io = open_image_io(file);
  // The integrity check decompresses the file a second time; run it beside ITK's read.
  auto integrity = std::async(std::launch::async, [&] { check_nifti_integrity(file); });
  auto reader = itk::ImageFileReader<DoubleImage>::New();
  reader->SetFileName(file.string());
  reader->SetImageIO(io);
  std::string itk_error;
  try {
    reader->Update();
  } catch (const itk::ExceptionObject& e) {
    itk_error = itk_reason(e);
  }
  integrity.get();  // its message is the more precise one, so it goes first
  if (!itk_error.empty()) {
    fail(file, "cannot read voxel data (truncated or corrupt file?): " + itk_error);
  }
  return volume_from_itk(reader->GetOutput(), file);
}

// An ITK image as a Volume ([D, H, W] float64 and its geometry); `file` names it in errors.
Volume volume_from_itk(const DoubleImage::Pointer& image, const std::filesystem::path& file) {
  const auto region = image->GetLargestPossibleRegion();

  Volume volume;
  Geometry& g = volume.geometry;
  for (unsigned a = 0; a < kDim; ++a) {
    g.size[a] = static_cast<int64_t>(region.GetSize()[a]);
    g.spacing[a] = image->GetSpacing()[a];
    g.origin[a] = image->GetOrigin()[a];
    for (unsigned b = 0; b < kDim; ++b) g.direction[a * kDim + b] = image->GetDirection()(a, b);
  }
  for (unsigned a = 0; a < kDim; ++a) {
    if (!(g.spacing[a] > 0.0) || !std::isfinite(g.spacing[a])) {
      fail(file, "invalid voxel spacing " + std::to_string(g.spacing[a]) + " along axis " +
                     std::to_string(a));
    }
  }
  // ITK stores x fastest, so the buffer is already a C-ordered [z][y][x] array.
  volume.data = torch::from_blob(image->GetBufferPointer(), {g.size[2], g.size[1], g.size[0]},
                                 torch::kFloat64)
                    .clone();
  if (!torch::isfinite(volume.data).all().item<bool>()) {
    const auto bad = (~torch::isfinite(volume.data)).sum().item<int64_t>();
    fail(file, std::to_string(bad) + " voxel(s) are NaN or Inf");
  }
  return volume;
}

template <class Pixel>
void write_typed(const Volume& volume, const at::Tensor& data, const std::filesystem::path& file) {
  using Image = itk::Image<Pixel, kDim>;
  const Geometry& g = volume.geometry;
  typename Image::Pointer image = Image::New();
  typename Image::RegionType region;
  typename Image::SizeType size;
  typename Image::SpacingType spacing;
  typename Image::PointType origin;
  typename Image::DirectionType direction;
  for (unsigned a = 0; a < kDim; ++a) {
    size[a] = static_cast<itk::SizeValueType>(g.size[a]);
    spacing[a] = g.spacing[a];
    origin[a] = g.origin[a];
    for (unsigned b = 0; b < kDim; ++b) direction(a, b) = g.direction[a * kDim + b];
  }
  region.SetSize(size);
  image->SetRegions(region);
  image->SetSpacing(spacing);
  image->SetOrigin(origin);
  image->SetDirection(direction);
  image->Allocate();
  std::memcpy(image->GetBufferPointer(), data.data_ptr(), data.numel() * sizeof(Pixel));

  auto writer = itk::ImageFileWriter<Image>::New();
  writer->SetFileName(file.string());
  writer->SetInput(image);
  writer->SetUseCompression(true);
  try {
    writer->Update();
  } catch (const itk::ExceptionObject& e) {
    fail(file, "cannot write: " + itk_reason(e));
  }
}

Volume read_dicom_series(const std::filesystem::path& folder) {
  auto names = itk::GDCMSeriesFileNames::New();
  names->SetUseSeriesDetails(true);
  names->SetDirectory(folder.string());
  std::vector<std::string> series;
  try {
    series = names->GetSeriesUIDs();
  } catch (const itk::ExceptionObject& e) {
    fail(folder, "cannot list DICOM files: " + itk_reason(e));
  }
  if (series.empty()) fail(folder, "no DICOM series in this folder");
  if (series.size() > 1) {
    fail(folder,
         "holds " + std::to_string(series.size()) + " DICOM series; point at a folder with one");
  }
  const std::vector<std::string> files = names->GetFileNames(series.front());
  if (files.size() < 2) fail(folder, "the DICOM series has fewer than two slices");
  auto reader = itk::ImageSeriesReader<DoubleImage>::New();
  reader->SetImageIO(itk::GDCMImageIO::New());
  reader->SetFileNames(files);
  try {
    reader->Update();
  } catch (const itk::ExceptionObject& e) {
    fail(folder, "cannot read the DICOM series (corrupt or unsupported slice?): " + itk_reason(e));
  }
  return volume_from_itk(reader->GetOutput(), folder);
}

}  // namespace

Volume read_scan(const std::filesystem::path& file_or_folder, c10::ScalarType dtype) {
  std::error_code error;
  if (!std::filesystem::is_directory(file_or_folder, error)) {
    return read_volume(file_or_folder, dtype);
  }
  Volume volume = read_dicom_series(file_or_folder);
  if (dtype != torch::kFloat64) volume.data = volume.data.to(dtype);
  return volume;
}

Volume read_volume(const std::filesystem::path& file, c10::ScalarType dtype) {
  TORCH_CHECK(dtype == torch::kFloat32 || dtype == torch::kFloat64,
              "read_volume: dtype must be float32 or float64, got ", dtype);
  Volume volume = read_as_double(file);
  if (dtype != torch::kFloat64) volume.data = volume.data.to(dtype);
  return volume;
}

Volume read_label_map(const std::filesystem::path& file) {
  Volume volume = read_as_double(file);
  const at::Tensor rounded = volume.data.round();
  if (!torch::equal(rounded, volume.data)) {
    fail(file, "label map holds non-integer values (is this an intensity image?)");
  }
  volume.data = rounded.to(torch::kInt64);
  return volume;
}

Volume read_label_map_for(const std::filesystem::path& file, const Geometry& image_geometry,
                          const std::filesystem::path& image_file) {
  Volume labels = read_label_map(file);
  if (labels.geometry.size != image_geometry.size) {
    fail(file, "label grid " + labels.geometry.describe() + " differs in size from image " +
                   image_file.string() + " (" + image_geometry.describe() + ")");
  }
  for (int a = 0; a < 3; ++a) {
    if (std::abs(labels.geometry.spacing[a] - image_geometry.spacing[a]) >
        1e-4 * image_geometry.spacing[a]) {
      fail(file, "label spacing " + labels.geometry.describe() + " differs from image " +
                     image_file.string() + " (" + image_geometry.describe() + ")");
    }
  }
  return labels;
}

void write_volume(const Volume& volume, const std::filesystem::path& file) {
  const at::Tensor& data = volume.data;
  const Geometry& g = volume.geometry;
  TORCH_CHECK(data.defined() && data.dim() == 3, "write_volume: expected a [D,H,W] tensor, got ",
              data.sizes());
  TORCH_CHECK(data.size(0) == g.size[2] && data.size(1) == g.size[1] && data.size(2) == g.size[0],
              "write_volume: tensor ", data.sizes(), " does not match geometry ", g.describe());
  if (file.has_parent_path()) std::filesystem::create_directories(file.parent_path());
  // Keep the full extension (e.g. .nii.gz) so ITK picks the same writer for the temporary file.
  const std::string name = file.filename().string();
  const std::filesystem::path temporary =
      file.parent_path() / (".tmp-" + std::to_string(static_cast<long>(::getpid())) + "-" + name);
  const at::Tensor cpu = data.to(torch::kCPU).contiguous();
  if (cpu.scalar_type() == torch::kFloat64) {
    write_typed<double>(volume, cpu, temporary);
  } else if (cpu.is_floating_point()) {
    write_typed<float>(volume, cpu.to(torch::kFloat32), temporary);
  } else if (cpu.scalar_type() == torch::kUInt8 || cpu.scalar_type() == torch::kBool) {
    write_typed<uint8_t>(volume, cpu.to(torch::kUInt8), temporary);
  } else {
    write_typed<int32_t>(volume, cpu.to(torch::kInt32), temporary);
  }
  std::filesystem::rename(temporary, file);
}

}  // namespace protoseg::io
