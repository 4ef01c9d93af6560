#include "protoseg/models/load_weights.h"

#include <map>
#include <sstream>
#include <stdexcept>

#include <torch/torch.h>

namespace protoseg::models {
namespace {

std::map<std::string, torch::Tensor> entries_of(const torch::nn::Module& module) {
  std::map<std::string, torch::Tensor> entries;
  for (const auto& item : module.named_parameters(/*recurse=*/true))
    entries[item.key()] = item.value();
  for (const auto& item : module.named_buffers(/*recurse=*/true))
    entries[item.key()] = item.value();
  return entries;
}

bool starts_with(const std::string& text, const std::string& prefix) {
  return text.compare(0, prefix.size(), prefix) == 0;
}

std::string shape(const torch::Tensor& t) {
  std::ostringstream out;
  out << t.sizes();
  return out.str();
}

void list(std::ostringstream& out, const char* what, const std::vector<std::string>& names) {
  if (names.empty()) return;
  out << "; " << names.size() << " " << what << ":";
  for (size_t i = 0; i < names.size() && i < 8; ++i) out << (i ? ", " : " ") << names[i];
  if (names.size() > 8) out << ", ...";
}

}  // namespace

std::string WeightLoadReport::summary() const {
  std::ostringstream out;
  out << loaded.size() << " tensors matched";
  list(out, "missing from the file", missing);
  list(out, "unexpected in the file", unexpected);
  list(out, "with the wrong shape", mismatched);
  return out.str();
}

WeightLoadReport load_state_dict(torch::nn::Module& module, const io::StateDict& state, bool strict,
                                 const std::string& prefix,
                                 const std::vector<std::string>& ignored_prefixes) {
  auto entries = entries_of(module);
  WeightLoadReport report;
  std::map<std::string, const torch::Tensor*> sources;
  for (const auto& [key, tensor] : state) {
    if (!starts_with(key, prefix)) continue;
    const std::string name = key.substr(prefix.size());
    bool ignored = false;
    for (const auto& skip : ignored_prefixes) ignored = ignored || starts_with(name, skip);
    if (ignored) continue;
    const auto it = entries.find(name);
    if (it == entries.end()) {
      report.unexpected.push_back(key);
    } else if (it->second.sizes() != tensor.sizes()) {
      report.mismatched.push_back(name + ": file " + shape(tensor) + " vs module " +
                                  shape(it->second));
    } else {
      sources[name] = &tensor;
    }
  }
  for (const auto& [name, tensor] : entries) {
    (void)tensor;
    bool ignored = false;
    for (const auto& skip : ignored_prefixes) ignored = ignored || starts_with(name, skip);
    if (sources.count(name) == 0 && !ignored &&
        std::none_of(report.mismatched.begin(), report.mismatched.end(),
                     [&](const std::string& m) { return starts_with(m, name + ":"); })) {
      report.missing.push_back(name);
    }
  }
  if (strict && !report.complete()) throw std::runtime_error(report.summary());
  torch::NoGradGuard no_grad;
  for (const auto& [name, source] : sources) {
    torch::Tensor& target = entries[name];
    target.copy_(source->to(target.dtype()));
    report.loaded.push_back(name);
  }
  return report;
}

io::StateDict state_dict_of(const torch::nn::Module& module) {
  io::StateDict out;
  for (const auto& [name, tensor] : entries_of(module)) out[name] = tensor.detach().cpu().clone();
  return out;
}

}  // namespace protoseg::models
