#include "protoseg/io/volume_io.h"

#include <cmath>
#include <fstream>
#include <limits>
#include <memory>
#include <vector>

#include <gtest/gtest.h>
#include <itkGDCMImageIO.h>
#include <itkImage.h>
#include <itkImageFileReader.h>
#include <itkImageFileWriter.h>
#include <itkImageSeriesWriter.h>
#include <itkMetaDataObject.h>
#include <itkNumericSeriesFileNames.h>
#include <torch/torch.h>

#include "expect_error.h"
#include "protoseg/io/resample.h"
#include "test_paths.h"

namespace protoseg::io {
namespace {

namespace fs = std::filesystem;
using protoseg::testing::expect_error;
using protoseg::testing::fresh_temp_dir;
using protoseg::testing::shared_data;

// Writes a 5 x 4 x 3 (x, y, z) image through ITK directly whose voxel (i, j, k) holds
// 100k + 10j + i, with a non-trivial geometry.
template <class Pixel>
void write_itk_ramp(const fs::path& file) {
  using Image = itk::Image<Pixel, 3>;
  auto image = Image::New();
  typename Image::SizeType size{{5, 4, 3}};
  image->SetRegions(typename Image::RegionType(size));
  const double spacing[3] = {0.5, 0.75, 2.5};
  const double origin[3] = {-10.0, 20.0, 5.5};
  image->SetSpacing(spacing);
  image->SetOrigin(origin);
  typename Image::DirectionType direction;
  direction.SetIdentity();
  direction(0, 0) = -1.0;  // x flipped
  image->SetDirection(direction);
  image->Allocate();
  for (unsigned k = 0; k < 3; ++k)
    for (unsigned j = 0; j < 4; ++j)
      for (unsigned i = 0; i < 5; ++i)
        image->SetPixel({{i, j, k}}, static_cast<Pixel>(100 * k + 10 * j + i));
  auto writer = itk::ImageFileWriter<Image>::New();
  writer->SetFileName(file.string());
  writer->SetInput(image);
  writer->Update();
}

void expect_ramp(const Volume& volume) {
  ASSERT_EQ(volume.data.sizes(), (std::vector<int64_t>{3, 4, 5}));  // [D,H,W] = (z, y, x)
  EXPECT_EQ(volume.geometry.size, (std::array<int64_t, 3>{5, 4, 3}));
  EXPECT_EQ(volume.geometry.spacing, (std::array<double, 3>{0.5, 0.75, 2.5}));
  EXPECT_NEAR(volume.geometry.origin[0], -10.0, 1e-4);
  EXPECT_NEAR(volume.geometry.origin[1], 20.0, 1e-4);
  EXPECT_NEAR(volume.geometry.origin[2], 5.5, 1e-4);
  EXPECT_NEAR(volume.geometry.direction[0], -1.0, 1e-6);
  EXPECT_NEAR(volume.geometry.direction[4], 1.0, 1e-6);
  const auto data = volume.data.to(torch::kFloat64);
  EXPECT_EQ(data[2][1][3].item<double>(), 213.0);  // ITK (i=3, j=1, k=2)
  EXPECT_EQ(data[0][3][4].item<double>(), 34.0);
}

// The ramp written as a DICOM series (one file per slice, GDCM through ITK) reads back, slices
// in order, with its geometry; folders without a series are named errors.
TEST(VolumeIoTest, DicomSeriesFolderReadsAsOneScan) {
  const auto dir = fresh_temp_dir("dicom");
  write_itk_ramp<int16_t>(dir / "ramp.nrrd");
  using Image = itk::Image<int16_t, 3>;
  using Slice = itk::Image<int16_t, 2>;
  auto reader = itk::ImageFileReader<Image>::New();
  reader->SetFileName((dir / "ramp.nrrd").string());
  reader->Update();
  const auto series = dir / "series";
  fs::create_directories(series);
  auto names = itk::NumericSeriesFileNames::New();
  names->SetStartIndex(1);
  names->SetEndIndex(3);
  names->SetIncrementIndex(1);
  names->SetSeriesFormat((series / "slice%03d.dcm").string());
  // What a scanner writes into every slice: position, orientation, spacing, one series.
  std::vector<std::unique_ptr<itk::MetaDataDictionary>> headers;
  std::vector<itk::MetaDataDictionary*> header_pointers;
  for (int k = 0; k < 3; ++k) {
    auto header = std::make_unique<itk::MetaDataDictionary>();
    auto set = [&](const char* tag, const std::string& value) {
      itk::EncapsulateMetaData<std::string>(*header, tag, value);
    };
    set("0008|0060", "MR");
    set("0020|000d", "1.2.826.0.1.3680043.2.1125.1");
    set("0020|000e", "1.2.826.0.1.3680043.2.1125.2");
    set("0020|0052", "1.2.826.0.1.3680043.2.1125.3");
    set("0020|0013", std::to_string(k + 1));
    // The ramp's x axis is flipped: origin (-10, 20, 5.5), slices 2.5 mm apart along z.
    set("0020|0032", "-10\\20\\" + std::to_string(5.5 + 2.5 * k));
    set("0020|0037", "-1\\0\\0\\0\\1\\0");
    set("0028|0030", "0.75\\0.5");  // row spacing (y), column spacing (x)
    set("0018|0050", "2.5");
    header_pointers.push_back(header.get());
    headers.push_back(std::move(header));
  }
  auto io = itk::GDCMImageIO::New();
  io->KeepOriginalUIDOn();
  auto writer = itk::ImageSeriesWriter<Image, Slice>::New();
  writer->SetInput(reader->GetOutput());
  writer->SetImageIO(io);
  writer->SetFileNames(names->GetFileNames());
  writer->SetMetaDataDictionaryArray(&header_pointers);
  writer->Update();
  // A file still reads as a file.
  const Volume ramp = read_scan(dir / "ramp.nrrd");
  expect_ramp(ramp);
  // GDCM orders slices along the normal of the slice orientation (here -z, as x is flipped), so
  // the series comes back stored the other way round; physically it is the same image.
  const Volume dicom = read_scan(series);
  EXPECT_EQ(dicom.geometry.size, ramp.geometry.size);
  EXPECT_EQ(dicom.geometry.spacing, ramp.geometry.spacing);
  EXPECT_NEAR(dicom.geometry.direction[8], -1.0, 1e-6);
  EXPECT_NEAR(dicom.geometry.origin[2], 5.5 + 2 * 2.5, 1e-4);
  EXPECT_TRUE(
      torch::equal(resample(dicom, ramp.geometry, Interpolation::kNearest).data, ramp.data));

  const auto empty = fresh_temp_dir("no_dicom");
  try {
    read_scan(empty);
    FAIL() << "expected an error";
  } catch (const std::runtime_error& e) {
    EXPECT_EQ(std::string(e.what()), empty.string() + ": no DICOM series in this folder");
  }
  std::ofstream(empty / "junk.dcm") << "not a DICOM file";
  EXPECT_THROW(read_scan(empty), std::runtime_error);
}

TEST(VolumeIoTest, AxisOrderAndGeometryForEveryFormatAndDatatype) {
  const auto dir = fresh_temp_dir("formats");
  write_itk_ramp<double>(dir / "f64.nii.gz");
  write_itk_ramp<float>(dir / "f32.nii");
  write_itk_ramp<int16_t>(dir / "i16.nii.gz");
  write_itk_ramp<int32_t>(dir / "i32.mha");
  write_itk_ramp<uint16_t>(dir / "u16.nrrd");
  write_itk_ramp<int16_t>(dir / "i16.mhd");
  for (const char* name :
       {"f64.nii.gz", "f32.nii", "i16.nii.gz", "i32.mha", "u16.nrrd", "i16.mhd"}) {
    SCOPED_TRACE(name);
    const Volume volume = read_volume(dir / name);
    EXPECT_EQ(volume.data.scalar_type(), torch::kFloat32);
    expect_ramp(volume);
  }
  // uint8 cannot hold the ramp; check it separately.
  using Image = itk::Image<uint8_t, 3>;
  auto image = Image::New();
  image->SetRegions(Image::RegionType(Image::SizeType{{2, 2, 2}}));
  image->Allocate();
  image->FillBuffer(7);
  auto writer = itk::ImageFileWriter<Image>::New();
  writer->SetFileName((dir / "u8.nii.gz").string());
  writer->SetInput(image);
  writer->Update();
  EXPECT_TRUE(torch::all(read_volume(dir / "u8.nii.gz").data == 7).item<bool>());
}

TEST(VolumeIoTest, WriteReadRoundTripPreservesDataAndGeometry) {
  const auto dir = fresh_temp_dir("roundtrip");
  Volume volume;
  volume.data = torch::arange(60, torch::kFloat32).reshape({3, 4, 5}) * 0.5;
  volume.geometry.size = {5, 4, 3};
  volume.geometry.spacing = {1.25, 1.25, 7.7};
  volume.geometry.origin = {-192.5, 200.25, -77.0};
  volume.geometry.direction = {1, 0, 0, 0, -1, 0, 0, 0, 1};
  write_volume(volume, dir / "v.nii.gz");
  const Volume back = read_volume(dir / "v.nii.gz");
  EXPECT_TRUE(torch::equal(back.data, volume.data));
  EXPECT_TRUE(back.geometry.same_grid(volume.geometry)) << back.geometry.describe();
  EXPECT_NEAR(back.geometry.direction[4], -1.0, 1e-6);

  Volume labels{torch::arange(60, torch::kInt64).reshape({3, 4, 5}) % 4, volume.geometry};
  write_volume(labels, dir / "l.nii.gz");
  const Volume labels_back = read_label_map(dir / "l.nii.gz");
  EXPECT_EQ(labels_back.data.scalar_type(), torch::kInt64);
  EXPECT_TRUE(torch::equal(labels_back.data, labels.data));
  // No temporary files are left behind.
  size_t files = 0;
  for (const auto& entry : fs::directory_iterator(dir)) files += entry.is_regular_file();
  EXPECT_EQ(files, 2u);
}

TEST(VolumeIoRealDataTest, AbdMriFloat64WithQform) {
  const Volume image = read_volume(shared_data("abd_mri/image_1.nii.gz"), torch::kFloat64);
  EXPECT_EQ(image.data.sizes(), (std::vector<int64_t>{37, 256, 256}));
  EXPECT_NEAR(image.geometry.spacing[0], 1.25, 1e-6);
  EXPECT_NEAR(image.geometry.spacing[1], 1.25, 1e-6);
  EXPECT_NEAR(image.geometry.spacing[2], 7.7, 1e-5);
  // The qform is RAS diag(-1.25, 1.25, 7.7); ITK reports LPS, flipping x and y.
  const std::array<double, 9> lps{1, 0, 0, 0, -1, 0, 0, 0, 1};
  for (int i = 0; i < 9; ++i) EXPECT_NEAR(image.geometry.direction[i], lps[i], 1e-6) << i;
  EXPECT_NEAR(image.geometry.origin[0], -192.65368652, 1e-3);
  EXPECT_NEAR(image.geometry.origin[1], 200.6612854, 1e-3);
  EXPECT_NEAR(image.geometry.origin[2], -77.09216309, 1e-3);
  EXPECT_EQ(image.data.max().item<double>(), 855.0);
  EXPECT_EQ(image.data.min().item<double>(), 0.0);

  const Volume labels = read_label_map_for(shared_data("abd_mri/label_1.nii.gz"), image.geometry,
                                           shared_data("abd_mri/image_1.nii.gz"));
  const auto values = std::get<0>(at::_unique(labels.data));
  EXPECT_TRUE(torch::equal(values, torch::arange(5, torch::kInt64)));
}

TEST(VolumeIoRealDataTest, TotalSegmentatorInt16WithSformOnly) {
  const Volume ct = read_volume(shared_data("totalseg_examples/example_ct_sm.nii.gz"));
  EXPECT_EQ(ct.data.sizes(), (std::vector<int64_t>{30, 101, 122}));
  EXPECT_EQ(ct.geometry.spacing, (std::array<double, 3>{3.0, 3.0, 3.0}));
  // sform RAS diag(3, 3, 3) with origin (-177.96, 11.32, 94.30) -> LPS.
  EXPECT_NEAR(ct.geometry.direction[0], -1.0, 1e-6);
  EXPECT_NEAR(ct.geometry.direction[4], -1.0, 1e-6);
  EXPECT_NEAR(ct.geometry.direction[8], 1.0, 1e-6);
  EXPECT_NEAR(ct.geometry.origin[0], 177.95632935, 1e-3);
  EXPECT_NEAR(ct.geometry.origin[1], -11.31900024, 1e-3);
  EXPECT_NEAR(ct.geometry.origin[2], 94.30175781, 1e-3);
  const Volume seg = read_label_map_for(shared_data("totalseg_examples/example_seg.nii.gz"),
                                        ct.geometry, "example_ct_sm.nii.gz");
  EXPECT_GT(seg.data.max().item<int64_t>(), 5);

  const Volume mr = read_volume(shared_data("totalseg_examples/example_mr_sm.nii.gz"));
  EXPECT_EQ(mr.data.sizes(), (std::vector<int64_t>{20, 91, 117}));
  EXPECT_NEAR(mr.geometry.direction[0], 1.0, 1e-6);  // RAS -3 on x -> LPS +1
}

TEST(VolumeIoTest, BadInputsNameTheFileAndTheProblem) {
  const auto dir = fresh_temp_dir("bad");
  // read_volume(dir / name) must fail with "<name>: <problem>".
  const auto expect_unreadable = [&](const std::string& name, const std::string& problem) {
    expect_error<std::runtime_error>([&] { read_volume(dir / name); }, name + ": " + problem);
  };
  expect_unreadable("missing.nii.gz", "file not found");

  std::ofstream(dir / "empty.nii.gz").close();
  expect_unreadable("empty.nii.gz", "file is empty");

  std::ofstream(dir / "garbage.nii") << "this is not an image";
  expect_unreadable("garbage.nii", "");

  // A real file cut in half.
  const auto source = shared_data("abd_mri/image_2.nii.gz");
  {
    std::ifstream in(source, std::ios::binary);
    std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    std::ofstream(dir / "truncated.nii.gz", std::ios::binary) << bytes.substr(0, bytes.size() / 2);
  }
  expect_unreadable("truncated.nii.gz", "corrupt or truncated gzip stream");
  {
    std::ifstream in(shared_data("totalseg_examples/example_ct_sm.nii.gz"), std::ios::binary);
    std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    // Decompressed but short: write a plain .nii missing its last voxels.
    write_volume(read_volume(shared_data("totalseg_examples/example_ct_sm.nii.gz")),
                 dir / "full.nii");
    std::ifstream full(dir / "full.nii", std::ios::binary);
    std::string raw((std::istreambuf_iterator<char>(full)), std::istreambuf_iterator<char>());
    std::ofstream(dir / "short.nii", std::ios::binary) << raw.substr(0, raw.size() - 100);
  }
  expect_unreadable("short.nii",
                    "truncated: the header promises 1478640 bytes of voxel data, the file "
                    "holds 1478540");

  // A 2D image.
  {
    using Image = itk::Image<float, 2>;
    auto image = Image::New();
    image->SetRegions(Image::RegionType(Image::SizeType{{4, 3}}));
    image->Allocate();
    image->FillBuffer(1.0f);
    auto writer = itk::ImageFileWriter<Image>::New();
    writer->SetFileName((dir / "flat.nii.gz").string());
    writer->SetInput(image);
    writer->Update();
  }
  expect_unreadable("flat.nii.gz", "expected a 3D image, found 2D (4x3)");

  // NaN and Inf voxels.
  Volume with_nan{torch::zeros({2, 2, 2}), {}};
  with_nan.geometry.size = {2, 2, 2};
  with_nan.data[1][0][1] = std::numeric_limits<float>::quiet_NaN();
  with_nan.data[0][0][0] = std::numeric_limits<float>::infinity();
  write_volume(with_nan, dir / "nan.nii.gz");
  expect_unreadable("nan.nii.gz", "2 voxel(s) are NaN or Inf");

  // A label map with fractional values.
  Volume fractional{torch::full({2, 2, 2}, 0.5), {}};
  fractional.geometry.size = {2, 2, 2};
  write_volume(fractional, dir / "fractional.nii.gz");
  expect_error<std::runtime_error>([&] { read_label_map(dir / "fractional.nii.gz"); },
                                   "non-integer values");

  // Label grids that differ from the image grid.
  Geometry image_grid;
  image_grid.size = {2, 2, 2};
  Volume small{torch::zeros({2, 2, 3}, torch::kInt64), {}};
  small.geometry.size = {3, 2, 2};
  write_volume(small, dir / "size.nii.gz");
  expect_error<std::runtime_error>(
      [&] { read_label_map_for(dir / "size.nii.gz", image_grid, "img.nii.gz"); },
      "size.nii.gz: label grid 3x2x2 @ 1x1x1 mm differs in size from image img.nii.gz");
  Volume spaced{torch::zeros({2, 2, 2}, torch::kInt64), {}};
  spaced.geometry.size = {2, 2, 2};
  spaced.geometry.spacing = {1.0, 1.0, 3.0};
  write_volume(spaced, dir / "spacing.nii.gz");
  expect_error<std::runtime_error>(
      [&] { read_label_map_for(dir / "spacing.nii.gz", image_grid, "img.nii.gz"); },
      "spacing.nii.gz: label spacing 2x2x2 @ 1x1x3 mm differs from image img.nii.gz");
}

}  // namespace
}  // namespace protoseg::io
