#include "protoseg/train/teacher_reuse.h"

#include <algorithm>
#include <sstream>
#include <stdexcept>
#include <vector>

#include <spdlog/spdlog.h>
#include <yaml-cpp/yaml.h>

#include "protoseg/config/load_config.h"
#include "protoseg/train/segmentation_stage.h"

namespace fs = std::filesystem;

namespace protoseg::train {
namespace {

constexpr const char* kAdoptedMarker = "adopted_from.txt";

/// `prefix.key: value` lines of a YAML node, depth first, in the node's order.
void flatten(const YAML::Node& node, const std::string& prefix, std::string& out) {
  if (node.IsMap()) {
    for (const auto& entry : node) {
      const std::string key = entry.first.as<std::string>();
      flatten(entry.second, prefix.empty() ? key : prefix + "." + key, out);
    }
    return;
  }
  YAML::Emitter value;
  value << YAML::Flow << node;
  out += prefix + ": " + value.c_str() + "\n";
}

std::vector<std::string> lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

/// The same file written two ways (`a/../b`, a symbolic link) gives one path.
void canonicalise(fs::path& path) {
  if (!path.empty()) path = fs::weakly_canonical(path);
}

}  // namespace

std::string teacher_signature(const ProLearnConfig& config) {
  ProLearnConfig normal = config;
  for (fs::path* path :
       {&normal.data.root, &normal.data.train_manifest, &normal.data.val_manifest,
        &normal.data.test_manifest, &normal.data.image_dir, &normal.data.mask_dir,
        &normal.data.vocab, &normal.model.weights, &normal.model.text_encoder_file}) {
    canonicalise(*path);
  }
  const YAML::Node all = YAML::Load(config::to_yaml(normal));
  std::string out;
  for (const char* key : {"data", "text_fraction", "seed", "model", "teacher", "precision"}) {
    flatten(all[key], key, out);
  }
  return out;
}

bool has_adopted_teacher(const fs::path& run_dir) {
  return fs::exists(run_dir / "teacher" / kAdoptedMarker);
}

bool adopt_teacher(const ProLearnConfig& config, const fs::path& run_dir) {
  const fs::path target = run_dir / "teacher";
  if (has_adopted_teacher(run_dir)) return true;
  if (config.teacher_from.empty() || fs::exists(target)) return false;
  const fs::path source = config.teacher_from;
  const fs::path source_config = source / "config.yaml";
  if (!fs::exists(source_config)) {
    spdlog::warn("teacher_from {}: no prolearn-train run there (yet): this run trains its own",
                 source.string());
    return false;
  }
  if (!fs::exists(source / "teacher" / "checkpoint.pt") ||
      !SegmentationStage::finished(source / "teacher")) {
    spdlog::info("{} has no finished teacher yet: this run trains its own", source.string());
    return false;
  }
  const auto theirs = lines(teacher_signature(config::load_config<ProLearnConfig>(source_config)));
  const auto ours = lines(teacher_signature(config));
  for (size_t i = 0; i < std::max(theirs.size(), ours.size()); ++i) {
    const std::string a = i < theirs.size() ? theirs[i] : "(nothing)";
    const std::string b = i < ours.size() ? ours[i] : "(nothing)";
    if (a != b) {
      throw std::runtime_error(source_config.string() + ": its teacher was trained with `" + a +
                               "` where this run has `" + b + "`: teacher_from needs the same " +
                               "data, text fraction, seed, model, teacher stage and precision");
    }
  }
  const fs::path partial = run_dir / "teacher.adopting";
  fs::remove_all(partial);
  fs::create_directories(run_dir);
  fs::copy(source / "teacher", partial, fs::copy_options::recursive);
  config::write_text_atomically(partial / kAdoptedMarker, fs::absolute(source).string() + "\n");
  fs::rename(partial, target);
  spdlog::info("teacher: adopted the finished teacher of {}", source.string());
  return true;
}

}  // namespace protoseg::train
