#include "protoseg/io/image2d_io.h"

#include <stdexcept>
#include <string>
#include <system_error>
#include <vector>

#include <torch/torch.h>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "protoseg/io/atomic_file.h"

namespace protoseg::io {

at::Tensor read_gray_image(const std::filesystem::path& file) {
  std::error_code error;
  if (!std::filesystem::is_regular_file(file, error)) {
    throw std::runtime_error(file.string() + ": file not found");
  }
  const cv::Mat image = cv::imread(file.string(), cv::IMREAD_GRAYSCALE);
  if (image.empty()) throw std::runtime_error(file.string() + ": cannot decode image");
  cv::Mat as_float;
  image.convertTo(as_float, CV_32F);
  return torch::from_blob(as_float.data, {as_float.rows, as_float.cols}, torch::kFloat32).clone();
}

at::Tensor read_rgb_image(const std::filesystem::path& file) {
  std::error_code error;
  if (!std::filesystem::is_regular_file(file, error)) {
    throw std::runtime_error(file.string() + ": file not found");
  }
  const cv::Mat image = cv::imread(file.string(), cv::IMREAD_COLOR);
  if (image.empty()) throw std::runtime_error(file.string() + ": cannot decode image");
  cv::Mat rgb, as_float;
  cv::cvtColor(image, rgb, cv::COLOR_BGR2RGB);
  rgb.convertTo(as_float, CV_32FC3);
  return torch::from_blob(as_float.data, {as_float.rows, as_float.cols, 3}, torch::kFloat32)
      .permute({2, 0, 1})
      .clone();
}

void write_image(const at::Tensor& image, const std::filesystem::path& file) {
  TORCH_CHECK(image.dim() == 2 || (image.dim() == 3 && image.size(2) == 3),
              "write_image: expected [H,W] or [H,W,3], got ", image.sizes());
  const at::Tensor pixels = image.to(torch::kCPU).to(torch::kUInt8).contiguous();
  const int type = image.dim() == 2 ? CV_8UC1 : CV_8UC3;
  cv::Mat mat(static_cast<int>(pixels.size(0)), static_cast<int>(pixels.size(1)), type,
              pixels.data_ptr());
  cv::Mat out = mat;
  if (image.dim() == 3) cv::cvtColor(mat, out, cv::COLOR_RGB2BGR);
  // Encoded in memory, then written atomically: an interrupted run leaves no half image.
  std::vector<uchar> bytes;
  bool encoded = false;
  try {
    encoded = cv::imencode(file.extension().string(), out, bytes);
  } catch (const cv::Exception& error) {
    throw std::runtime_error(file.string() + ": cannot encode the image: " + error.what());
  }
  if (!encoded) throw std::runtime_error(file.string() + ": cannot encode the image");
  write_file_atomically(file, std::string(bytes.begin(), bytes.end()));
}

}  // namespace protoseg::io
