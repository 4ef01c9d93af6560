#pragma once

#include <cstdint>
#include <functional>

#include <ATen/core/Tensor.h>
#include <c10/core/Device.h>

#include "protoseg/core/precision.h"
#include "protoseg/models/few_shot_encoder.h"

namespace protoseg::eval {

/// Feature extractor used by evaluation: images [B, 1, S, S] on the device -> features
/// [B, C, h, w] float32. A function so that callers (and tests) can wrap or count it.
using SliceEncoder = std::function<at::Tensor(const at::Tensor& images)>;

/// The model's encoder in inference form: no gradients, autocast for `precision` on `device`,
/// output cast to float32. The encoder must already be in eval mode on `device`.
SliceEncoder make_slice_encoder(models::FewShotEncoder encoder, c10::Device device,
                                core::Precision precision);

/// Encodes slices [D, S, S] (any device) in batches of `batch_size` on `device`:
/// [D, C, h, w] float32 on `device`.
at::Tensor encode_slices(const SliceEncoder& encoder, const at::Tensor& slices, int batch_size,
                         c10::Device device);

}  // namespace protoseg::eval
