#include "protoseg/core/convolution_census.h"

#include <ATen/record_function.h>
#include <torch/torch.h>

#include <algorithm>
#include <atomic>
#include <cstring>
#include <map>
#include <memory>
#include <mutex>
#include <sstream>
#include <stdexcept>
#include <tuple>

#include "protoseg/core/compute_throughput.h"
#include "protoseg/core/convolution_cost.h"

namespace protoseg::core {
namespace {

std::atomic<bool> census_alive{false};
std::mutex calls_mutex;
std::vector<ConvolutionCall> recorded_calls;

std::vector<int64_t> sizes_of(const c10::IValue& value) {
  if (!value.isTensor() || !value.toTensor().defined()) return {};
  return value.toTensor().sizes().vec();
}

std::vector<int64_t> ints_of(const c10::IValue& value) {
  return value.isIntList() ? value.toIntVector() : std::vector<int64_t>{};
}

// What the start callback reads (inputs are only readable there) for the end callback.
struct CallSeen : at::ObserverContext {
  ConvolutionCall call;
};

// The argument positions of the two operators' schemas after the tensors: stride, padding,
// dilation, transposed, output_padding, groups.
void read_parameters(c10::ArrayRef<const c10::IValue> in, size_t first, ConvolutionCall& call) {
  call.stride = ints_of(in[first]);
  call.padding = ints_of(in[first + 1]);
  call.dilation = ints_of(in[first + 2]);
  call.transposed = in[first + 3].isBool() && in[first + 3].toBool();
  call.output_padding = ints_of(in[first + 4]);
  call.groups = in[first + 5].isInt() ? in[first + 5].toInt() : 1;
}

void read_input(const c10::IValue& value, ConvolutionCall& call) {
  call.input = sizes_of(value);
  if (!value.isTensor() || !value.toTensor().defined()) return;
  const at::Tensor& input = value.toTensor();
  call.dtype = input.scalar_type();
  call.channels_last =
      input.dim() == 4 && input.suggest_memory_format() == at::MemoryFormat::ChannelsLast;
}

std::unique_ptr<at::ObserverContext> on_start(const at::RecordFunction& fn) {
  const auto in = fn.inputs();
  auto seen = std::make_unique<CallSeen>();
  ConvolutionCall& call = seen->call;
  if (std::strcmp(fn.name(), "aten::convolution") == 0 && in.size() >= 9) {
    read_input(in[0], call);
    call.weight = sizes_of(in[1]);
    call.has_bias = in[2].isTensor() && in[2].toTensor().defined();
    read_parameters(in, 3, call);
    return seen;
  }
  if (std::strcmp(fn.name(), "aten::convolution_backward") == 0 && in.size() >= 11) {
    call.backward = true;
    call.output = sizes_of(in[0]);
    read_input(in[1], call);
    call.weight = sizes_of(in[2]);
    call.has_bias = !in[3].isNone();
    read_parameters(in, 4, call);
    if (in[10].isBoolList()) {
      const c10::List<bool> mask = in[10].toBoolList();
      for (size_t i = 0; i < 3 && i < mask.size(); ++i) call.output_mask[i] = mask.get(i);
    }
    return seen;
  }
  return nullptr;
}

void on_end(const at::RecordFunction& fn, at::ObserverContext* context) {
  auto* seen = static_cast<CallSeen*>(context);
  if (seen == nullptr) return;
  if (!seen->call.backward && !fn.outputs().empty()) seen->call.output = sizes_of(fn.outputs()[0]);
  if (seen->call.input.size() != 4 || seen->call.weight.size() != 4) return;  // 2-D only
  std::lock_guard<std::mutex> lock(calls_mutex);
  recorded_calls.push_back(seen->call);
}

auto key_of(const ConvolutionCall& c) {
  return std::tie(c.backward, c.input, c.weight, c.output, c.has_bias, c.stride, c.padding,
                  c.dilation, c.output_padding, c.transposed, c.groups, c.output_mask, c.dtype,
                  c.channels_last);
}

// A random tensor of `sizes` in the call's dtype and memory format.
at::Tensor random_like_call(const std::vector<int64_t>& sizes, const ConvolutionCall& call,
                            c10::Device device) {
  at::Tensor t = torch::randn(sizes, torch::TensorOptions().device(device).dtype(call.dtype));
  return call.channels_last ? t.contiguous(at::MemoryFormat::ChannelsLast) : t;
}

double time_one(const ConvolutionCall& call, c10::Device device, double seconds) {
  torch::NoGradGuard no_grad;
  const at::Tensor input = random_like_call(call.input, call, device);
  const at::Tensor weight = random_like_call(call.weight, call, device) * 0.02;
  const int64_t out_channels = call.transposed ? call.weight[1] * call.groups : call.weight[0];
  if (!call.backward) {
    const c10::optional<at::Tensor> bias =
        call.has_bias ? c10::optional<at::Tensor>(random_like_call({out_channels}, call, device))
                      : c10::nullopt;
    return median_run_seconds(
        [&] {
          (void)at::convolution(input, weight, bias, call.stride, call.padding, call.dilation,
                                call.transposed, call.output_padding, call.groups);
        },
        device, seconds);
  }
  const at::Tensor grad_output = random_like_call(call.output, call, device);
  const std::vector<int64_t> bias_sizes{out_channels};
  const at::OptionalIntArrayRef bias =
      call.has_bias ? at::OptionalIntArrayRef(bias_sizes) : c10::nullopt;
  return median_run_seconds(
      [&] {
        (void)at::convolution_backward(grad_output, input, weight, bias, call.stride, call.padding,
                                       call.dilation, call.transposed, call.output_padding,
                                       call.groups, call.output_mask);
      },
      device, seconds);
}

}  // namespace

int64_t ConvolutionCall::flops() const {
  const int64_t once = convolution_cost(input, weight, output, transposed);
  if (!backward) return once;
  return once * ((output_mask[0] ? 1 : 0) + (output_mask[1] ? 1 : 0));
}

std::string ConvolutionCall::describe() const {
  std::ostringstream s;
  s << (backward ? "bwd " : "fwd ");
  if (weight.size() == 4) s << weight[2] << "x" << weight[3];
  if (!stride.empty()) s << " s" << stride[0];
  if (!dilation.empty() && dilation[0] != 1) s << " d" << dilation[0];
  if (groups != 1) s << " g" << groups;
  if (transposed) s << " transposed";
  if (input.size() == 4 && weight.size() == 4) {
    s << " " << input[1] << "->" << (transposed ? weight[1] * groups : weight[0]) << " " << input[0]
      << "x" << input[2] << "x" << input[3];
  }
  s << " " << c10::toString(dtype) << (channels_last ? " NHWC" : " NCHW");
  if (backward) s << " (" << (output_mask[0] ? "dX " : "") << (output_mask[1] ? "dW" : "") << ")";
  return s.str();
}

bool ConvolutionCall::operator<(const ConvolutionCall& other) const {
  return key_of(*this) < key_of(other);
}

bool ConvolutionCall::operator==(const ConvolutionCall& other) const {
  return key_of(*this) == key_of(other);
}

ConvolutionCensus::ConvolutionCensus() {
  if (census_alive.exchange(true)) throw std::logic_error("only one ConvolutionCensus at a time");
  {
    std::lock_guard<std::mutex> lock(calls_mutex);
    recorded_calls.clear();
  }
  handle_ = at::addGlobalCallback(
      at::RecordFunctionCallback(on_start, on_end).needsInputs(true).needsOutputs(true));
}

ConvolutionCensus::~ConvolutionCensus() {
  at::removeCallback(handle_);
  census_alive = false;
}

std::vector<ConvolutionCall> ConvolutionCensus::calls() const {
  std::lock_guard<std::mutex> lock(calls_mutex);
  return recorded_calls;
}

std::vector<ConvolutionTiming> time_convolutions(const std::vector<ConvolutionCall>& calls,
                                                 c10::Device device, double seconds) {
  std::map<ConvolutionCall, int64_t> counts;
  for (const ConvolutionCall& call : calls) ++counts[call];
  std::vector<ConvolutionTiming> timings;
  for (const auto& [call, count] : counts) {
    timings.push_back({call, count, time_one(call, device, seconds)});
  }
  std::sort(timings.begin(), timings.end(),
            [](const auto& a, const auto& b) { return a.count * a.seconds > b.count * b.seconds; });
  return timings;
}

}  // namespace protoseg::core
