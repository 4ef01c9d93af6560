#include "protoseg/core/flop_counter.h"

#include <ATen/record_function.h>

#include <atomic>
#include <cstring>
#include <memory>
#include <stdexcept>
#include <vector>

#include "protoseg/core/convolution_cost.h"

namespace protoseg::core {
namespace {

std::atomic<int64_t> convolution_count{0};
std::atomic<int64_t> matmul_count{0};
std::atomic<bool> counter_alive{false};

// What the start callback learns (inputs are only readable there) for the end callback.
struct ShapesSeen : at::ObserverContext {
  bool backward = false;
  std::vector<int64_t> input;        // [N, C_in, H, W]
  std::vector<int64_t> weight;       // [C_out, C_in / groups, k...]
  std::vector<int64_t> grad_output;  // convolution_backward: [N, C_out, H_out, W_out]
  bool transposed = false;
};

int64_t product(const std::vector<int64_t>& sizes, size_t from) {
  int64_t p = 1;
  for (size_t i = from; i < sizes.size(); ++i) p *= sizes[i];
  return p;
}

std::vector<int64_t> tensor_sizes(const c10::IValue& value) {
  if (!value.isTensor()) return {};
  const at::Tensor& t = value.toTensor();
  return t.defined() ? t.sizes().vec() : std::vector<int64_t>{};
}

bool flag(c10::ArrayRef<const c10::IValue> inputs, size_t i) {
  return inputs.size() > i && inputs[i].isBool() && inputs[i].toBool();
}

int64_t matmul_cost(const char* name, c10::ArrayRef<const c10::IValue> inputs) {
  const size_t first = std::strcmp(name, "aten::addmm") == 0 ? 1 : 0;
  if (inputs.size() < first + 2) return 0;
  const std::vector<int64_t> a = tensor_sizes(inputs[first]);
  const std::vector<int64_t> b = tensor_sizes(inputs[first + 1]);
  if (a.size() < 2 || b.size() < 2) return 0;
  return 2 * product(a, 0) * b.back();  // [.., n, k] x [.., k, m]: 2 (..) n k m
}

std::unique_ptr<at::ObserverContext> on_start(const at::RecordFunction& fn) {
  const char* name = fn.name();
  if (std::strcmp(name, "aten::convolution") == 0) {
    // (input, weight, bias, stride, padding, dilation, transposed, output_padding, groups)
    auto seen = std::make_unique<ShapesSeen>();
    if (fn.inputs().size() > 1) {
      seen->input = tensor_sizes(fn.inputs()[0]);
      seen->weight = tensor_sizes(fn.inputs()[1]);
    }
    seen->transposed = flag(fn.inputs(), 6);
    return seen;
  }
  if (std::strcmp(name, "aten::convolution_backward") == 0) {
    // (grad_output, input, weight, bias_sizes, stride, padding, dilation, transposed, ...)
    auto seen = std::make_unique<ShapesSeen>();
    seen->backward = true;
    if (fn.inputs().size() > 2) {
      seen->grad_output = tensor_sizes(fn.inputs()[0]);
      seen->input = tensor_sizes(fn.inputs()[1]);
      seen->weight = tensor_sizes(fn.inputs()[2]);
    }
    seen->transposed = flag(fn.inputs(), 7);
    return seen;
  }
  if (std::strcmp(name, "aten::mm") == 0 || std::strcmp(name, "aten::addmm") == 0 ||
      std::strcmp(name, "aten::bmm") == 0) {
    matmul_count += matmul_cost(name, fn.inputs());
  }
  return nullptr;
}

void on_end(const at::RecordFunction& fn, at::ObserverContext* context) {
  auto* seen = static_cast<ShapesSeen*>(context);
  if (seen == nullptr || fn.outputs().empty()) return;
  if (!seen->backward) {
    convolution_count += convolution_cost(seen->input, seen->weight, tensor_sizes(fn.outputs()[0]),
                                          seen->transposed);
    return;
  }
  // Backward: one convolution's worth for each of grad_input and grad_weight computed.
  const int64_t once =
      convolution_cost(seen->input, seen->weight, seen->grad_output, seen->transposed);
  for (size_t i = 0; i < 2 && i < fn.outputs().size(); ++i) {
    if (!tensor_sizes(fn.outputs()[i]).empty()) convolution_count += once;
  }
}

}  // namespace

FlopCounter::FlopCounter() {
  if (counter_alive.exchange(true)) throw std::logic_error("only one FlopCounter at a time");
  reset();
  handle_ = at::addGlobalCallback(
      at::RecordFunctionCallback(on_start, on_end).needsInputs(true).needsOutputs(true));
}

FlopCounter::~FlopCounter() {
  at::removeCallback(handle_);
  counter_alive = false;
}

int64_t FlopCounter::convolution_flops() const { return convolution_count.load(); }
int64_t FlopCounter::matmul_flops() const { return matmul_count.load(); }

void FlopCounter::reset() {
  convolution_count = 0;
  matmul_count = 0;
}

}  // namespace protoseg::core
