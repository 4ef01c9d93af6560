#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include <ATen/core/Tensor.h>

#include "protoseg/io/torch_state_dict.h"

namespace protoseg::testing {

/// A file of the golden fixtures written by the reference code
/// (tests/fixtures/reference, tools/reference_fixtures/make_reference_fixtures.py). Throws,
/// failing the test, with the command that regenerates it when it is missing.
std::filesystem::path reference_fixture(const std::string& name);

/// A fixture .pt file (a dict of tensors saved by torch.save).
io::StateDict load_reference_tensors(const std::string& name);

/// Element j of formula stream k in [0, 1) as float64: (splitmix64((k << 32) + j) >> 40) / 2^24
/// (tools/reference_fixtures/formula_tensors.py).
at::Tensor formula_uniform(int64_t stream, const std::vector<int64_t>& shape);

/// (2 u - 1) * half_width of formula_uniform, float32.
at::Tensor formula_centred(int64_t stream, const std::vector<int64_t>& shape, double half_width);

/// The formula state dict of formula_tensors.state_dict_values for keys in stream order (name
/// and shape; num_batches_tracked keys take a stream but get no value).
io::StateDict formula_state_dict(
    const std::vector<std::pair<std::string, std::vector<int64_t>>>& keys);

/// Reads `name shape...` lines (encoder_resnet*_keys.txt).
std::vector<std::pair<std::string, std::vector<int64_t>>> read_key_list(
    const std::filesystem::path& file);

/// The disk mask ((y - cy)^2 + (x - cx)^2 <= r^2) on a size x size grid, float32; a negative
/// radius gives an empty mask.
at::Tensor disk_mask(int64_t size, int64_t cy, int64_t cx, int64_t radius);

/// Cosine similarity of two tensors taken as flat vectors.
double flat_cosine(const at::Tensor& a, const at::Tensor& b);

/// max |a - b| / max(|b|, floor) over all elements.
double max_relative_error(const at::Tensor& a, const at::Tensor& b, double floor = 1e-12);

/// Two-sample Kolmogorov-Smirnov test: the statistic D and its asymptotic p-value.
std::pair<double, double> kolmogorov_smirnov(std::vector<double> a, std::vector<double> b);

/// Two-sided p-value of the pooled two-proportion z-test for k1 of n1 against k2 of n2.
double two_proportion_p_value(int64_t k1, int64_t n1, int64_t k2, int64_t n2);

/// Chi-square test of homogeneity of two count vectors over the same categories (categories
/// empty in both are dropped): the p-value.
double chi_square_p_value(const std::vector<int64_t>& a, const std::vector<int64_t>& b);

}  // namespace protoseg::testing
