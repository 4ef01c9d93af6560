#!/usr/bin/env bash
# Installs dependencies, configures (Release, Ninja and ccache when present) and builds protoseg.
#   scripts/build.sh [TARGET ...]      # default: everything
# Environment: BUILD_DIR (default build), CMAKE_ARGS (extra configure arguments, e.g.
# -DCMAKE_PREFIX_PATH=/opt/libtorch for a CUDA LibTorch).
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build_dir="${BUILD_DIR:-$repo/build}"

bash "$repo/scripts/install_deps.sh"
generator=()
if command -v ninja >/dev/null 2>&1; then generator=(-G Ninja); fi
if [[ ! -f "$build_dir/CMakeCache.txt" ]]; then
  # shellcheck disable=SC2086
  cmake -S "$repo" -B "$build_dir" "${generator[@]}" -DCMAKE_BUILD_TYPE=Release ${CMAKE_ARGS:-}
fi
targets=()
for target in "$@"; do targets+=(--target "$target"); done
cmake --build "$build_dir" --parallel "$(nproc)" "${targets[@]}"
