#!/usr/bin/env bash
# Runs protoseg's main job end to end on the built-in default: ADNet-style 3D supervoxel
# pseudo-labels (n_sv 5000) for all 20 ABD-MRI volumes in ../shared/data/abd_mri.
# Finished volumes are skipped, so the demo can be interrupted and run again.
#   scripts/demo.sh [--force]
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build_dir="${BUILD_DIR:-$repo/build}"

bash "$repo/scripts/build.sh" make-supervoxels
"$build_dir/apps/make-supervoxels" --dataset "$repo/configs/data/abd_mri.yaml" --n-sv 5000 "$@"
echo "demo: supervoxels and per-volume timings are in $repo/derived/abd_mri/supervoxels_5000/"
