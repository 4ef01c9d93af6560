#pragma once

namespace protoseg::core {

/// Makes glibc's malloc keep freed memory for the next allocation instead of handing it back to
/// the kernel: blocks up to 32 MiB come from the heap (not a fresh mmap each time), the heap is
/// never trimmed, and it grows in 512 MiB steps. A training or inference step allocates and
/// frees the same large activations every time; without this each of them is faulted in anew,
/// page by page (docs/benchmarks.md: 20-65 % of the step on this CPU). No effect on other C
/// libraries. Returns whether the settings were applied.
bool retain_freed_memory();

}  // namespace protoseg::core
