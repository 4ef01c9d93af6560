#pragma once

#include <cstdint>
#include <vector>

namespace protoseg::core {

/// Floating-point operations of one convolution (2 per multiply-add) from its shapes:
/// 2 N C_out H_out W_out (C_in / groups) k_h k_w, i.e. every output element costs one
/// multiply-add per weight of its group. A transposed convolution swaps the roles of input and
/// output (its weight is [C_in, C_out / groups, k_h, k_w]): 2 N C_in H_in W_in (C_out / groups)
/// k_h k_w. A backward costs this once per gradient it computes (input, weight). 0 when a shape
/// has fewer than three dimensions (unknown).
int64_t convolution_cost(const std::vector<int64_t>& input, const std::vector<int64_t>& weight,
                         const std::vector<int64_t>& output, bool transposed);

}  // namespace protoseg::core
