#include "test_paths.h"

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include <gtest/gtest.h>
#include <unistd.h>

namespace protoseg::testing {

std::filesystem::path shared_data(const std::string& relative) {
  const char* from_env = std::getenv("PROTOSEG_SHARED_DATA");
  const std::filesystem::path root = from_env != nullptr ? from_env : PROTOSEG_SHARED_DATA_DEFAULT;
  const std::filesystem::path path = root / relative;
  if (!std::filesystem::exists(path)) {
    throw std::runtime_error("shared data missing: " + path.string() +
                             " (set PROTOSEG_SHARED_DATA to the shared data folder)");
  }
  return path;
}

std::filesystem::path source_path(const std::string& relative) {
  return std::filesystem::path(PROTOSEG_SOURCE_DIR) / relative;
}

std::filesystem::path pretrained_resnet50() {
  const char* cache = std::getenv("PROTOSEG_CACHE");
  const char* home = std::getenv("HOME");
  const std::filesystem::path root =
      cache != nullptr ? std::filesystem::path(cache)
                       : std::filesystem::path(home != nullptr ? home : "/") / ".cache/protoseg";
  const auto file = root / "weights/resnet50_imagenet_keras.pth";
  if (!std::filesystem::exists(file)) {
    throw std::runtime_error("pretrained weights missing: " + file.string() +
                             " (run scripts/fetch_weights.sh)");
  }
  return file;
}

std::filesystem::path fresh_temp_dir(const std::string& name) {
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  std::string test = info != nullptr ? std::string(info->test_suite_name()) + "_" + info->name()
                                     : std::string("global");
  const std::filesystem::path dir = std::filesystem::path(::testing::TempDir()) /
                                    ("protoseg_" + std::to_string(::getpid())) / test / name;
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir;
}

std::string read_text(const std::filesystem::path& file) {
  std::ifstream in(file);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace protoseg::testing
