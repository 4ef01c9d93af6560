#pragma once

#include <cstdint>

#include <ATen/core/Tensor.h>

namespace protoseg::eval {

/// For every query embedding (row of `queries` [N, D]) the `k` reference embeddings (rows of
/// `references` [M, D]) with the highest cosine similarity, best first: [N, k] int64 row indices
/// into `references`, on the CPU. The PSA's query step without its compression into prototypes:
/// every paired training image is a prototype. Ties go to the lower index.
at::Tensor nearest_by_cosine(const at::Tensor& queries, const at::Tensor& references, int64_t k);

}  // namespace protoseg::eval
