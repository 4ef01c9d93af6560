#pragma once

#include <c10/core/Device.h>
#include <c10/core/ScalarType.h>

#include <array>
#include <cstdint>
#include <string>
#include <vector>

namespace protoseg::core {

/// One convolution ATen ran, forward (`aten::convolution`) or backward
/// (`aten::convolution_backward`), with everything needed to run it again alone.
struct ConvolutionCall {
  bool backward = false;
  std::vector<int64_t> input;   ///< [N, C_in, H, W]
  std::vector<int64_t> weight;  ///< [C_out, C_in / groups, k_h, k_w]
  std::vector<int64_t> output;  ///< [N, C_out, H_out, W_out] (grad_output for a backward)
  bool has_bias = false;
  std::vector<int64_t> stride, padding, dilation, output_padding;
  bool transposed = false;
  int64_t groups = 1;
  std::array<bool, 3> output_mask{true, true, false};  ///< backward: grad input, weight, bias
  c10::ScalarType dtype = c10::ScalarType::Float;
  bool channels_last = false;  ///< the input's memory format

  /// 2 N C_out H_out W_out (C_in / groups) k_h k_w, once per gradient a backward computes.
  int64_t flops() const;
  /// "bwd 3x3 s1 d2 256->256 2x32x32 BFloat16 NHWC (dX dW)".
  std::string describe() const;
  bool operator<(const ConvolutionCall& other) const;
  bool operator==(const ConvolutionCall& other) const;
};

/// Records every convolution (forward and backward, in any thread) run while it is alive, from
/// the arguments ATen's RecordFunction sees. One census at a time.
class ConvolutionCensus {
 public:
  ConvolutionCensus();
  ~ConvolutionCensus();
  ConvolutionCensus(const ConvolutionCensus&) = delete;
  ConvolutionCensus& operator=(const ConvolutionCensus&) = delete;

  /// The calls seen so far, in the order they finished.
  std::vector<ConvolutionCall> calls() const;

 private:
  uint64_t handle_;
};

/// A distinct convolution, how often it ran, and its median time when run again alone.
struct ConvolutionTiming {
  ConvolutionCall call;
  int64_t count = 0;
  double seconds = 0;  ///< one run, alone, on random inputs of the recorded shapes and dtype
};

/// Groups `calls` into distinct convolutions and times each one on `device` (about `seconds`
/// of repetitions each), sorted by total time (count x seconds), largest first.
std::vector<ConvolutionTiming> time_convolutions(const std::vector<ConvolutionCall>& calls,
                                                 c10::Device device, double seconds);

}  // namespace protoseg::core
