#include "protoseg/io/volume.h"

#include <cmath>
#include <sstream>

namespace protoseg::io {

bool Geometry::same_grid(const Geometry& other, double tolerance) const {
  for (int a = 0; a < 3; ++a) {
    if (size[a] != other.size[a]) return false;
    if (std::abs(spacing[a] - other.spacing[a]) > tolerance * std::abs(spacing[a])) return false;
    if (std::abs(origin[a] - other.origin[a]) > tolerance * 10.0) return false;
  }
  for (int i = 0; i < 9; ++i) {
    if (std::abs(direction[i] - other.direction[i]) > tolerance) return false;
  }
  return true;
}

std::string Geometry::describe() const {
  std::ostringstream text;
  text << size[0] << "x" << size[1] << "x" << size[2] << " @ " << spacing[0] << "x" << spacing[1]
       << "x" << spacing[2] << " mm";
  return text.str();
}

}  // namespace protoseg::io
