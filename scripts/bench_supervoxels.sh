#!/usr/bin/env bash
# Times protoseg's supervoxel pipeline on the five ABD-MRI volumes that ADNet's reference
# supervoxels exist for, and optionally a reference implementation in the same run.
#   scripts/bench_supervoxels.sh [ROUNDS]
#   REFERENCE_CMD="python3 /path/to/reference_runner.py" scripts/bench_supervoxels.sh 2
# REFERENCE_CMD is called with one volume id at a time and must print "<id> ... total <s>s".
# Results go to stdout; see docs/benchmarks.md for the recorded figures.
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build_dir="${BUILD_DIR:-$repo/build}"
data="${PROTOSEG_SHARED_DATA:-$repo/../shared/data}/abd_mri"
rounds="${1:-1}"
ids=(1 2 3 5 8)

cmake --build "$build_dir" --target bench-supervoxels >/dev/null
for round in $(seq 1 "$rounds"); do
  echo "== round $round"
  if [[ -n "${REFERENCE_CMD:-}" ]]; then
    for id in "${ids[@]}"; do $REFERENCE_CMD "$id"; done
  fi
  files=()
  for id in "${ids[@]}"; do files+=("$data/image_$id.nii.gz"); done
  "$build_dir/apps/bench-supervoxels" "${files[@]}"
done
