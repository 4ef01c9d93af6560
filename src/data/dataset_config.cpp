#include "protoseg/data/dataset_config.h"

#include <stdexcept>
#include <utility>

namespace protoseg::data {
namespace {

// Axis (0, 1, 2) and sign of an axis code in LPS, or {-1, 0} for an unknown letter.
std::pair<int, double> axis_of(char code) {
  switch (code) {
    case 'L': return {0, 1.0};
    case 'R': return {0, -1.0};
    case 'P': return {1, 1.0};
    case 'A': return {1, -1.0};
    case 'S': return {2, 1.0};
    case 'I': return {2, -1.0};
  }
  return {-1, 0.0};
}

}  // namespace

bool valid_orientation(const std::string& code) {
  if (code.size() != 3) return false;
  bool seen[3] = {false, false, false};
  for (char c : code) {
    const int axis = axis_of(c).first;
    if (axis < 0 || seen[axis]) return false;
    seen[axis] = true;
  }
  return true;
}

std::array<double, 9> orientation_direction(const std::string& code) {
  if (!valid_orientation(code)) {
    throw std::invalid_argument("orientation '" + code + "': expected three axis codes, e.g. LAS");
  }
  std::array<double, 9> direction{};
  for (int column = 0; column < 3; ++column) {
    const auto [axis, sign] = axis_of(code[static_cast<size_t>(column)]);
    direction[static_cast<size_t>(axis * 3 + column)] = sign;
  }
  return direction;
}

std::string expand_pattern(std::string pattern, const std::string& name, const std::string& value) {
  const std::string token = "{" + name + "}";
  for (size_t at = pattern.find(token); at != std::string::npos; at = pattern.find(token, at)) {
    pattern.replace(at, token.size(), value);
    at += value.size();
  }
  return pattern;
}

}  // namespace protoseg::data
