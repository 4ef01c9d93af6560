#pragma once

#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace protoseg::eval {

/// Picks from `all` the items named in a comma-separated `list` (in the list's order), or all
/// of them for "all". Throws std::invalid_argument for an empty list or an unknown name:
/// "unknown <kind> 'x' (known: a, b, or all)".
template <class T, class NameOf>
std::vector<T> parse_named_list(const std::string& list, const std::vector<T>& all, NameOf name_of,
                                const std::string& kind) {
  if (list == "all") return all;
  std::vector<T> picked;
  std::stringstream stream(list);
  std::string name;
  while (std::getline(stream, name, ',')) {
    bool found = false;
    for (const T& item : all) {
      if (name_of(item) == name) {
        picked.push_back(item);
        found = true;
      }
    }
    if (!found) {
      std::string known;
      for (const T& item : all) known += (known.empty() ? "" : ", ") + name_of(item);
      throw std::invalid_argument("unknown " + kind + " '" + name + "' (known: " + known +
                                  ", or all)");
    }
  }
  if (picked.empty()) throw std::invalid_argument("no " + kind + " given");
  return picked;
}

}  // namespace protoseg::eval
