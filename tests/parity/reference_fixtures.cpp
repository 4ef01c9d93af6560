#include "reference_fixtures.h"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include <torch/torch.h>

namespace protoseg::testing {

std::filesystem::path reference_fixture(const std::string& name) {
  // PROTOSEG_SOURCE_DIR: the repository, compiled in (this file also builds with LibTorch
  // alone, for the device tests).
  const auto file = std::filesystem::path(PROTOSEG_SOURCE_DIR) / "tests/fixtures/reference" / name;
  if (!std::filesystem::exists(file)) {
    throw std::runtime_error(
        file.string() +
        ": reference fixture missing; regenerate the fixtures from the reference code with "
        "`/usr/bin/python3 tools/reference_fixtures/make_reference_fixtures.py --tpm-repo "
        "<TPM-FSS checkout>` (tools/reference_fixtures/README.md)");
  }
  return file;
}

io::StateDict load_reference_tensors(const std::string& name) {
  return io::read_torch_state_dict(reference_fixture(name));
}

at::Tensor formula_uniform(int64_t stream, const std::vector<int64_t>& shape) {
  int64_t n = 1;
  for (int64_t s : shape) n *= s;
  at::Tensor out = torch::empty({n}, torch::kDouble);
  double* values = out.data_ptr<double>();
  const uint64_t base = static_cast<uint64_t>(stream) << 32;
  for (int64_t j = 0; j < n; ++j) {
    uint64_t z = base + static_cast<uint64_t>(j) + 0x9E3779B97F4A7C15ULL;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    z = z ^ (z >> 31);
    values[j] = static_cast<double>(z >> 40) / static_cast<double>(1 << 24);
  }
  return out.reshape(shape);
}

at::Tensor formula_centred(int64_t stream, const std::vector<int64_t>& shape, double half_width) {
  return ((2.0 * formula_uniform(stream, shape) - 1.0) * half_width).to(torch::kFloat);
}

io::StateDict formula_state_dict(
    const std::vector<std::pair<std::string, std::vector<int64_t>>>& keys) {
  auto ends_with = [](const std::string& s, const std::string& suffix) {
    return s.size() >= suffix.size() &&
           s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
  };
  io::StateDict state;
  for (size_t k = 0; k < keys.size(); ++k) {
    const auto& [name, shape] = keys[k];
    if (ends_with(name, "num_batches_tracked")) continue;
    const at::Tensor u = formula_uniform(static_cast<int64_t>(k), shape);
    at::Tensor v;
    if (ends_with(name, "running_var")) {
      v = 1.0 + 0.5 * u;
    } else if (ends_with(name, "running_mean") || ends_with(name, ".bias")) {
      v = 0.2 * u - 0.1;
    } else if (shape.size() == 1) {
      v = 0.8 + 0.4 * u;
      if (ends_with(name, "bn3.weight") || ends_with(name, "downsample.1.weight")) v = 0.2 * v;
    } else {
      int64_t fan_in = 1;
      for (size_t i = 1; i < shape.size(); ++i) fan_in *= shape[i];
      v = (2.0 * u - 1.0) * std::sqrt(6.0 / static_cast<double>(fan_in));
    }
    state[name] = v.to(torch::kFloat);
  }
  return state;
}

std::vector<std::pair<std::string, std::vector<int64_t>>> read_key_list(
    const std::filesystem::path& file) {
  std::ifstream in(file);
  if (!in) throw std::runtime_error(file.string() + ": cannot open key list");
  std::vector<std::pair<std::string, std::vector<int64_t>>> keys;
  for (std::string line; std::getline(in, line);) {
    std::istringstream fields(line);
    std::string name;
    fields >> name;
    std::vector<int64_t> shape;
    for (int64_t s; fields >> s;) shape.push_back(s);
    keys.emplace_back(name, shape);
  }
  return keys;
}

at::Tensor disk_mask(int64_t size, int64_t cy, int64_t cx, int64_t radius) {
  const at::Tensor y = torch::arange(size, torch::kLong).reshape({size, 1});
  const at::Tensor x = torch::arange(size, torch::kLong).reshape({1, size});
  return ((y - cy) * (y - cy) + (x - cx) * (x - cx)).le(radius * radius).to(torch::kFloat) *
         (radius >= 0 ? 1.0 : 0.0);
}

double flat_cosine(const at::Tensor& a, const at::Tensor& b) {
  const at::Tensor x = a.to(torch::kDouble).flatten(), y = b.to(torch::kDouble).flatten();
  return (x.dot(y) / (x.norm() * y.norm())).item<double>();
}

double max_relative_error(const at::Tensor& a, const at::Tensor& b, double floor) {
  const at::Tensor x = a.to(torch::kDouble), y = b.to(torch::kDouble);
  return ((x - y).abs().max() / std::max(y.abs().max().item<double>(), floor)).item<double>();
}

std::pair<double, double> kolmogorov_smirnov(std::vector<double> a, std::vector<double> b) {
  std::sort(a.begin(), a.end());
  std::sort(b.begin(), b.end());
  const double n = static_cast<double>(a.size()), m = static_cast<double>(b.size());
  size_t i = 0, j = 0;
  double d = 0.0;
  while (i < a.size() && j < b.size()) {
    const double x = std::min(a[i], b[j]);
    while (i < a.size() && a[i] <= x) ++i;
    while (j < b.size() && b[j] <= x) ++j;
    d = std::max(d, std::abs(static_cast<double>(i) / n - static_cast<double>(j) / m));
  }
  const double ne = n * m / (n + m);
  const double lambda = (std::sqrt(ne) + 0.12 + 0.11 / std::sqrt(ne)) * d;
  double p = 0.0;
  for (int k = 1; k <= 100; ++k) {
    p += 2.0 * ((k % 2) ? 1.0 : -1.0) * std::exp(-2.0 * k * k * lambda * lambda);
  }
  return {d, std::clamp(lambda < 1e-3 ? 1.0 : p, 0.0, 1.0)};
}

double two_proportion_p_value(int64_t k1, int64_t n1, int64_t k2, int64_t n2) {
  const double p1 = static_cast<double>(k1) / n1, p2 = static_cast<double>(k2) / n2;
  const double pooled = static_cast<double>(k1 + k2) / static_cast<double>(n1 + n2);
  const double se = std::sqrt(pooled * (1 - pooled) * (1.0 / n1 + 1.0 / n2));
  if (se == 0.0) return p1 == p2 ? 1.0 : 0.0;
  return std::erfc(std::abs(p1 - p2) / se / std::sqrt(2.0));
}

namespace {

// Regularised upper incomplete gamma Q(a, x) (series for x < a + 1, continued fraction else).
double upper_incomplete_gamma(double a, double x) {
  if (x <= 0.0) return 1.0;
  const double log_prefix = -x + a * std::log(x) - std::lgamma(a);
  if (x < a + 1.0) {
    double sum = 1.0 / a, term = sum;
    for (int n = 1; n < 500; ++n) {
      term *= x / (a + n);
      sum += term;
      if (std::abs(term) < std::abs(sum) * 1e-15) break;
    }
    return 1.0 - sum * std::exp(log_prefix);
  }
  double b = x + 1.0 - a, c = 1e300, d = 1.0 / b, h = d;
  for (int i = 1; i < 500; ++i) {
    const double an = -i * (i - a);
    b += 2.0;
    d = an * d + b;
    d = std::abs(d) < 1e-300 ? 1e-300 : d;
    c = b + an / c;
    c = std::abs(c) < 1e-300 ? 1e-300 : c;
    d = 1.0 / d;
    h *= d * c;
    if (std::abs(d * c - 1.0) < 1e-15) break;
  }
  return std::exp(log_prefix) * h;
}

}  // namespace

double chi_square_p_value(const std::vector<int64_t>& a, const std::vector<int64_t>& b) {
  double na = 0, nb = 0;
  for (int64_t v : a) na += static_cast<double>(v);
  for (int64_t v : b) nb += static_cast<double>(v);
  double chi2 = 0.0;
  int categories = 0;
  for (size_t k = 0; k < a.size(); ++k) {
    const double total = static_cast<double>(a[k] + b[k]);
    if (total == 0) continue;
    ++categories;
    const double ea = total * na / (na + nb), eb = total * nb / (na + nb);
    chi2 += (a[k] - ea) * (a[k] - ea) / ea + (b[k] - eb) * (b[k] - eb) / eb;
  }
  if (categories < 2) return 1.0;
  return upper_incomplete_gamma((categories - 1) / 2.0, chi2 / 2.0);
}

}  // namespace protoseg::testing
