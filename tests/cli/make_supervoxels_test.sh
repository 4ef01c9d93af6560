#!/usr/bin/env bash
# End-to-end check of the make-supervoxels CLI on a real small MR volume:
# writes supervoxels with geometry, skips finished volumes, fails clearly on bad input.
#   make_supervoxels_test.sh <make-supervoxels binary> <shared data folder>
set -euo pipefail
app="$1"
shared="${PROTOSEG_SHARED_DATA:-$2}"  # the environment overrides the configured default
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

source_volume="$shared/totalseg_examples/example_mr_sm.nii.gz"
[[ -f "$source_volume" ]] || { echo "shared data missing: $source_volume"; exit 1; }
mkdir -p "$work/data"
ln -s "$source_volume" "$work/data/image_7.nii.gz"
cat > "$work/dataset.yaml" <<YAML
name: toy_mr
root: data
supervoxel_root: derived
n_sv: 300
labels: {spleen: 1}
folds: [[0]]
YAML

"$app" --dataset "$work/dataset.yaml" > "$work/first.log" 2>&1
out="$work/derived/supervoxels_300/superpix-MIDDLE_7.nii.gz"
[[ -f "$out" ]] || { echo "no output written"; cat "$work/first.log"; exit 1; }
grep -q "1 computed, 0 skipped" "$work/first.log" || { cat "$work/first.log"; exit 1; }
[[ -f "$work/derived/supervoxels_300/dataset.yaml" ]] || { echo "resolved config missing"; exit 1; }

# A second run skips the finished volume; --force recomputes it.
"$app" --dataset "$work/dataset.yaml" > "$work/second.log" 2>&1
grep -q "0 computed, 1 skipped" "$work/second.log" || { cat "$work/second.log"; exit 1; }
"$app" --dataset "$work/dataset.yaml" --force > "$work/third.log" 2>&1
grep -q "1 computed, 0 skipped" "$work/third.log" || { cat "$work/third.log"; exit 1; }
# --overlays draws the middle slice of finished volumes too.
"$app" --dataset "$work/dataset.yaml" --overlays "$work/png" > "$work/overlay.log" 2>&1 ||
  { cat "$work/overlay.log"; exit 1; }
compgen -G "$work/png/image_7_z*.png" > /dev/null || { echo "no overlay written"; exit 1; }

# Bad input: one clear line and a non-zero exit.
if "$app" --dataset "$work/missing.yaml" > "$work/bad.log" 2>&1; then
  echo "missing config accepted"; exit 1
fi
grep -qx "make-supervoxels: error: $work/missing.yaml: config file not found" "$work/bad.log" ||
  { cat "$work/bad.log"; exit 1; }
if "$app" --dataset "$work/dataset.yaml" --set n_sv=zero > "$work/bad2.log" 2>&1; then
  echo "bad override accepted"; exit 1
fi
grep -q "make-supervoxels: error: --set 'n_sv': expected an integer, got 'zero'" "$work/bad2.log" ||
  { cat "$work/bad2.log"; exit 1; }
# An n_sv so large that the whole body is one supervoxel: an error, and nothing written.
if "$app" --dataset "$work/dataset.yaml" --set n_sv=100000000 > "$work/bad4.log" 2>&1; then
  echo "a single supervoxel accepted"; exit 1
fi
grep -q "image_7.nii.gz: n_sv 100000000 leaves 1 supervoxel(s) in the body; training needs at least two" \
  "$work/bad4.log" || { cat "$work/bad4.log"; exit 1; }
[[ ! -e "$work/derived/supervoxels_100000000/superpix-MIDDLE_7.nii.gz" ]] ||
  { echo "output written for a failed volume"; exit 1; }
rm "$work/data/image_7.nii.gz"
if "$app" --dataset "$work/dataset.yaml" > "$work/bad3.log" 2>&1; then
  echo "empty dataset accepted"; exit 1
fi
grep -q "no volumes matching 'image_{id}.nii.gz'" "$work/bad3.log" || { cat "$work/bad3.log"; exit 1; }
echo "make-supervoxels CLI: all checks passed"
