#pragma once

#include <filesystem>
#include <string>

namespace protoseg::testing {

/// A file or folder under the shared real data (`../shared/data`, or $PROTOSEG_SHARED_DATA).
/// Throws, failing the test with a clear message, when it is missing: real-data tests never
/// pass silently without their data.
std::filesystem::path shared_data(const std::string& relative);

/// A file under the repository (configs, fixtures), independent of the working directory.
std::filesystem::path source_path(const std::string& relative);

/// The ImageNet ResNet-50 converted by scripts/fetch_weights.sh (in $PROTOSEG_CACHE or
/// ~/.cache/protoseg). Throws, failing the test, when it is missing.
std::filesystem::path pretrained_resnet50();

/// A fresh empty folder under ::testing::TempDir() for one test.
std::filesystem::path fresh_temp_dir(const std::string& name);

/// A text file's whole content ("" when it cannot be read).
std::string read_text(const std::filesystem::path& file);

}  // namespace protoseg::testing
