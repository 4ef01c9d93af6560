#pragma once

#include <filesystem>
#include <map>
#include <string>

#include <ATen/core/Tensor.h>

namespace protoseg::io {

/// Parameter name -> tensor, in name order.
using StateDict = std::map<std::string, at::Tensor>;

/// Reads a PyTorch `state_dict` saved with `torch.save` (the zip format of PyTorch >= 1.6:
/// `<archive>/data.pkl` plus one record per storage), e.g. torchvision's
/// `resnet101-63fe2227.pth`. Only what state dicts hold is understood: (ordered) dicts of
/// tensors built by `torch._utils._rebuild_tensor_v2` or `_rebuild_parameter` on typed storages.
/// Tensors are returned on the CPU. Throws std::runtime_error naming the file for a missing,
/// non-zip or legacy (pre-1.6) file and for any pickle content outside that subset.
StateDict read_torch_state_dict(const std::filesystem::path& file);

/// Writes `tensors` in the same format (loadable by `torch.load` in Python and by
/// read_torch_state_dict), atomically.
void write_torch_state_dict(const StateDict& tensors, const std::filesystem::path& file);

}  // namespace protoseg::io
