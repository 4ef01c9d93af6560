#pragma once

#include <cstdint>
#include <functional>

#include <torch/torch.h>

#include "protoseg/data/image_report_dataset.h"
#include "protoseg/models/language_guided_unet.h"

namespace protoseg::eval {

/// A query embedding of a batch: images and masks [B, 1, S, S] -> [B, D]. The masks are there
/// for an upper bound that reads the ground truth; a real query ignores them.
using QueryEmbedding =
    std::function<torch::Tensor(const torch::Tensor& images, const torch::Tensor& masks)>;

/// The embedding of every image of `set` [N, D], `batch_size` images at a time, without
/// gradients; float32 on the CPU.
torch::Tensor embed_set(const data::ImageReportSet& set, int64_t batch_size,
                        const QueryEmbedding& embedding);

/// The stride-32 features averaged over each cell of a grid x grid layout, flattened
/// [B, C grid^2]: the pooled query embedding (grid 1) with where things are kept.
torch::Tensor feature_layout(const models::UNetFeatures& features, int64_t grid);

/// Where the lesion is: the share of each cell of a grid x grid layout covered by a lesion map
/// [B, 1, S, S] (probabilities or a mask), flattened [B, grid^2], row-major from the top left.
torch::Tensor lesion_layout(const torch::Tensor& lesion, int64_t grid);

}  // namespace protoseg::eval
