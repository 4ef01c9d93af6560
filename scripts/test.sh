#!/usr/bin/env bash
# Installs dependencies, configures and builds protoseg (Release, ccache when present) and runs
# the whole test suite, printing the output of failing tests.
#   scripts/test.sh                 # everything
#   scripts/test.sh -L unit         # extra arguments go to ctest (here: unit tests only)
# Environment: BUILD_DIR (default build), PROTOSEG_SHARED_DATA (default ../shared/data),
# CMAKE_ARGS (extra configure arguments, e.g. -DCMAKE_PREFIX_PATH=/opt/libtorch-cuda).
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build_dir="${BUILD_DIR:-$repo/build}"

bash "$repo/scripts/install_deps.sh"

generator=()
if command -v ninja >/dev/null 2>&1; then generator=(-G Ninja); fi
if [[ ! -f "$build_dir/CMakeCache.txt" ]]; then
  cmake -S "$repo" -B "$build_dir" "${generator[@]}" -DCMAKE_BUILD_TYPE=Release ${CMAKE_ARGS:-}
fi
cmake --build "$build_dir" --parallel "$(nproc)"

cd "$build_dir"
ctest --output-on-failure --timeout 900 "$@"
