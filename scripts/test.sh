#!/usr/bin/env bash
# Installs dependencies, builds protoseg and runs the whole test suite, printing the output of
# failing tests.
#   scripts/test.sh                 # everything
#   scripts/test.sh -L unit         # extra arguments go to ctest (here: unit tests only)
# Environment: BUILD_DIR, CMAKE_ARGS (see scripts/build.sh), PROTOSEG_SHARED_DATA (default
# ../shared/data), PROTOSEG_CACHE (pretrained weights, default ~/.cache/protoseg).
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build_dir="${BUILD_DIR:-$repo/build}"

bash "$repo/scripts/build.sh"
# The pretrained-weights tests need the ImageNet ResNet-50 (downloaded once, then cached).
BUILD_DIR="$build_dir" bash "$repo/scripts/fetch_weights.sh" >/dev/null
# The ABD-CT tests read the volumes unpacked from the shared archive (once, into derived/).
bash "$repo/scripts/prepare_abd_ct.sh"
cd "$build_dir"
ctest --output-on-failure --timeout 900 "$@"
