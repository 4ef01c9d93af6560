#include "protoseg/core/cli_main.h"

#include <exception>
#include <iostream>
#include <string>

#include "protoseg/core/allocator.h"

namespace protoseg::core {

int run_cli(const char* app_name, const std::function<int()>& body) {
  retain_freed_memory();
  try {
    return body();
  } catch (const std::exception& e) {
    std::string what = e.what();
    // LibTorch appends a C++ backtrace to TORCH_CHECK messages; keep the message itself.
    const size_t trace = what.find("\nException raised from");
    if (trace != std::string::npos) what.resize(trace);
    std::cerr << app_name << ": error: " << what << std::endl;
  } catch (...) {
    std::cerr << app_name << ": error: unknown exception" << std::endl;
  }
  return 1;
}

}  // namespace protoseg::core
