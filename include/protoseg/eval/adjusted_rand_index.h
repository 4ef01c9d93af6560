#pragma once

#include <ATen/core/Tensor.h>

namespace protoseg::eval {

/// Adjusted Rand index (Hubert & Arabie 1985) between two integer labelings of the same shape:
/// 1 for identical partitions up to a renaming of labels, about 0 for independent ones.
/// Matches scikit-learn's adjusted_rand_score, including 1.0 when both labelings put every
/// element in one cluster (or every element in its own).
double adjusted_rand_index(const at::Tensor& labels_a, const at::Tensor& labels_b);

}  // namespace protoseg::eval
