#!/usr/bin/env bash
# Builds the tensor core (LibTorch alone: no ITK, OpenCV, YAML) against the LibTorch of an
# installed PyTorch, runs its device checks (the reference fixtures on the CPU and on CUDA, CUDA
# against the CPU) and times the encoder's training step on the GPU.
#   scripts/cuda_smoke.sh            # PYTHON (default python3) names the interpreter with torch
# Environment: BUILD_DIR (default build-core), PYTHON, JOBS (default nproc).
# On a machine without a GPU the CUDA half is skipped with a message and the CPU half runs.
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build_dir="${BUILD_DIR:-$repo/build-core}"
python="${PYTHON:-python3}"
jobs="${JOBS:-$(nproc)}"

# The LibTorch of the installed PyTorch; without one (or when it ships no CMake files, as
# Debian's python3-torch) the system LibTorch that find_package(Torch) finds.
prefix="$("$python" -c 'import torch; print(torch.utils.cmake_prefix_path)' 2>/dev/null || true)"
prefix_args=()
if [[ -n "$prefix" && -d "$prefix" ]]; then
  prefix_args=(-DCMAKE_PREFIX_PATH="$prefix")
  echo "cuda_smoke: LibTorch of PyTorch $("$python" -c 'import torch; print(torch.__version__)') ($prefix)"
else
  echo "cuda_smoke: no PyTorch CMake files from $python; using the system LibTorch"
fi
generator=()
if command -v ninja >/dev/null 2>&1; then generator=(-G Ninja); fi
start=$(date +%s)
cmake -S "$repo" -B "$build_dir" "${generator[@]}" -DCMAKE_BUILD_TYPE=Release \
  "${prefix_args[@]}" -DPROTOSEG_CORE_ONLY=ON -DPROTOSEG_USE_CCACHE=OFF >/dev/null
cmake --build "$build_dir" --parallel "$jobs" --target protoseg_core_devices
echo "cuda_smoke: built in $(($(date +%s) - start)) s"
"$build_dir/tests/devices/protoseg_core_devices"
"$build_dir/tests/devices/protoseg_core_devices" --bench
echo "cuda_smoke: done in $(($(date +%s) - start)) s"
