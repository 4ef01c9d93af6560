#!/usr/bin/env bash
# Installs dependencies, builds protoseg and runs the whole test suite, printing the output of
# failing tests.
#   scripts/test.sh                 # everything
#   scripts/test.sh -L unit         # extra arguments go to ctest (here: unit tests only)
# Environment: BUILD_DIR, CMAKE_ARGS (see scripts/build.sh), PROTOSEG_SHARED_DATA (default
# ../shared/data).
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build_dir="${BUILD_DIR:-$repo/build}"

bash "$repo/scripts/build.sh"
cd "$build_dir"
ctest --output-on-failure --timeout 900 "$@"
