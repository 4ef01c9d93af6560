#pragma once

#include <functional>

namespace protoseg::core {

/// Runs an app's body and turns any exception into one clear line on stderr
/// (`<app>: error: <what>`) and exit status 1. Returns the body's status otherwise.
/// Sets malloc up for tensor work first (retain_freed_memory).
int run_cli(const char* app_name, const std::function<int()>& body);

}  // namespace protoseg::core
