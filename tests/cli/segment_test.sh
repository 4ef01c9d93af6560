#!/usr/bin/env bash
# segment from the command line: a model trained for two steps segments a real ABD-MRI scan from
# another labelled scan; folder mode with a summary; one clear line for each kind of bad input.
#   segment_test.sh <segment> <train-tpm> <make-supervoxels> <shared data>
set -euo pipefail
segment="$1"
train_tpm="$2"
make_supervoxels="$3"
shared="${PROTOSEG_SHARED_DATA:-$4}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
fail() { echo "segment CLI: $*"; exit 1; }
expect_error() {  # expect_error <text> <command...>
  local text="$1"
  shift
  if "$@" >"$work/error.log" 2>&1; then fail "accepted: $*"; fi
  grep -qF "$text" "$work/error.log" || { cat "$work/error.log"; fail "expected '$text'"; }
}

mkdir -p "$work/data"
for id in 1 2; do
  ln -s "$shared/abd_mri/image_$id.nii.gz" "$work/data/image_$id.nii.gz"
  ln -s "$shared/abd_mri/label_$id.nii.gz" "$work/data/label_$id.nii.gz"
done
cat >"$work/data.yaml" <<YAML
name: two
root: data
labels: {liver: 1, spleen: 4}
folds: [[0]]
YAML
cat >"$work/train.yaml" <<YAML
dataset: data.yaml
steps: 2
encoder: {depth: 18, output_stride: 32, weights: none}
episodes: {image_size: 96}
precision: fp32
YAML
"$make_supervoxels" --dataset "$work/data.yaml" >/dev/null 2>&1
"$train_tpm" --config "$work/train.yaml" --out "$work/run" --log-level warn 2>/dev/null
model="$work/run/model.pth"
support=(--support-image "$shared/abd_mri/image_2.nii.gz"
         --support-label "$shared/abd_mri/label_2.nii.gz")

# One scan: a label map on the query's grid and a summary line per organ.
"$segment" --model "$model" "${support[@]}" --method ce-t --query "$shared/abd_mri/image_1.nii.gz" \
  --out "$work/out/image_1_seg.nii.gz" --overlay "$work/overlays" --log-level warn >"$work/one.csv"
[[ -f "$work/out/image_1_seg.nii.gz" ]] || fail "no label map written"
grep -q "^image_1,liver,1," "$work/one.csv" || { cat "$work/one.csv"; fail "no liver row"; }
grep -q "^image_1,spleen,4," "$work/one.csv" || fail "no spleen row"
expect_error "exists; pass --force" \
  "$segment" --model "$model" "${support[@]}" --method ce-t \
  --query "$shared/abd_mri/image_1.nii.gz" --out "$work/out/image_1_seg.nii.gz"
"$segment" --model "$model" "${support[@]}" --method ce-t --organs liver --force \
  --query "$shared/abd_mri/image_1.nii.gz" --out "$work/out/image_1_seg.nii.gz" \
  --log-level warn >"$work/liver.csv"
[[ "$(wc -l <"$work/liver.csv")" == 2 ]] || fail "--organs liver: expected one row"

# A folder: every scan, one summary; a corrupt scan is reported and the others go on.
mkdir -p "$work/queries"
ln -s "$shared/abd_mri/image_1.nii.gz" "$work/queries/a.nii.gz"
ln -s "$shared/abd_mri/image_3.nii.gz" "$work/queries/b.nii.gz"
head -c 1000 "$shared/abd_mri/image_5.nii.gz" >"$work/queries/broken.nii.gz"
if "$segment" --model "$model" "${support[@]}" --method ce-t --query "$work/queries" \
  --out "$work/folder" --log-level error >/dev/null 2>"$work/folder.log"; then
  fail "a failed scan must make the exit status non-zero"
fi
[[ -f "$work/folder/a_seg.nii.gz" && -f "$work/folder/b_seg.nii.gz" ]] || fail "folder outputs missing"
[[ ! -e "$work/folder/broken_seg.nii.gz" ]] || fail "output written for a broken scan"
[[ "$(grep -c '^a,\|^b,' "$work/folder/summary.csv")" == 4 ]] || fail "summary rows"
grep -q "broken.nii.gz" "$work/folder.log" || fail "the broken scan is not named"

# Bad input.
expect_error "no 'label_9' (label 9) in the support label map" \
  "$segment" --model "$model" "${support[@]}" --labels 9 --method ce-t \
  --query "$shared/abd_mri/image_1.nii.gz" --out "$work/x.nii.gz"
expect_error "the prior analysis this method needs is missing" \
  "$segment" --model "$model" "${support[@]}" --method linest \
  --query "$shared/abd_mri/image_1.nii.gz" --out "$work/x.nii.gz"
mkdir -p "$work/empty_dicom"
expect_error "no DICOM series in this folder" \
  "$segment" --model "$model" "${support[@]}" --method ce-t --query "$work/empty_dicom" \
  --out "$work/x.nii.gz"
head -c 20000 "$model" >"$work/run/truncated.pth"
expect_error "truncated.pth" \
  "$segment" --model "$work/run/truncated.pth" --config "$work/run/config.yaml" "${support[@]}" \
  --method ce-t --query "$shared/abd_mri/image_1.nii.gz" --out "$work/x.nii.gz"
sed 's/depth: 18/depth: 34/' "$work/run/config.yaml" >"$work/run/deeper.yaml"
expect_error "not a model of this run's architecture (ResNet-34)" \
  "$segment" --model "$model" --config "$work/run/deeper.yaml" "${support[@]}" --method ce-t \
  --query "$shared/abd_mri/image_1.nii.gz" --out "$work/x.nii.gz"
[[ ! -e "$work/x.nii.gz" ]] || fail "output written after an error"
echo "segment CLI: all checks passed"
