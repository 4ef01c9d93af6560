#include "protoseg/core/compute_throughput.h"

#include <torch/torch.h>

#include <algorithm>
#include <chrono>
#include <functional>
#include <vector>

namespace protoseg::core {
namespace {

using Clock = std::chrono::steady_clock;

void synchronize(c10::Device device) {
  if (device.is_cuda()) torch::cuda::synchronize(device.index() < 0 ? -1 : device.index());
}

}  // namespace

double median_run_seconds(const std::function<void()>& work, c10::Device device, double budget) {
  work();  // warm-up: kernel selection, allocation
  synchronize(device);
  std::vector<double> times;
  const auto start = Clock::now();
  while (times.size() < 3 || std::chrono::duration<double>(Clock::now() - start).count() < budget) {
    const auto t0 = Clock::now();
    work();
    synchronize(device);
    times.push_back(std::chrono::duration<double>(Clock::now() - t0).count());
    if (times.size() >= 1000) break;
  }
  std::sort(times.begin(), times.end());
  return times[times.size() / 2];
}

ComputeThroughput measure_compute_throughput(c10::Device device, c10::ScalarType dtype,
                                             double seconds) {
  torch::NoGradGuard outer_no_grad;
  const auto options = torch::TensorOptions().device(device).dtype(dtype);
  const int64_t batch = 2, channels = 256, size = 32, kernel = 3, dilation = 2;
  const at::Tensor input = torch::randn({batch, channels, size, size}, options)
                               .contiguous(at::MemoryFormat::ChannelsLast);
  const at::Tensor weight = (torch::randn({channels, channels, kernel, kernel}, options) * 0.02)
                                .contiguous(at::MemoryFormat::ChannelsLast);
  const double conv_flops =
      2.0 * batch * channels * size * size * channels * kernel * kernel;  // padding keeps size
  auto convolve = [&](const at::Tensor& x, const at::Tensor& w) {
    return at::convolution(x, w, {}, {1, 1}, {dilation, dilation}, {dilation, dilation}, false,
                           {0, 0}, 1);
  };

  ComputeThroughput result;
  const double forward_s =
      median_run_seconds([&] { (void)convolve(input, weight); }, device, seconds);
  result.convolution_forward = conv_flops / forward_s / 1e9;

  const at::Tensor grad_output = torch::randn_like(convolve(input, weight));
  const double backward_s = median_run_seconds(
      [&] {
        (void)at::convolution_backward(grad_output, input, weight, c10::nullopt, {1, 1},
                                       {dilation, dilation}, {dilation, dilation}, false, {0, 0}, 1,
                                       {true, true, false});
      },
      device, seconds);
  result.convolution_backward = 2.0 * conv_flops / backward_s / 1e9;

  const int64_t n = 2048;
  const at::Tensor a = torch::randn({n, n}, options), b = torch::randn({n, n}, options);
  const double gemm_s = median_run_seconds([&] { (void)torch::mm(a, b); }, device, seconds);
  result.gemm = 2.0 * n * n * n / gemm_s / 1e9;
  return result;
}

}  // namespace protoseg::core
