#!/usr/bin/env bash
# Scaling of training throughput from 1 to N local processes (docs/benchmarks.md).
#
#   scripts/bench_ddp.sh [--nproc 2] [--steps 24] [--out /tmp/protoseg_bench_ddp]
#
# train-tpm (configs/tpm/abd_mri_cpu.yaml, ResNet-50, bf16 where available): one process with
# all cores as intra-op threads against N processes sharing the cores (cores / N threads each).
# Reported: median seconds per step after the first 4 steps and episodes per second (a step of
# N processes trains N episodes). Then prolearn-train's image-only U-Net for one epoch of 320
# training images (qata_cpu.yaml, batch 32), same two layouts: images per second of the epoch.
# Environment: PROTOSEG_BUILD_DIR (default build).
set -euo pipefail
cd "$(dirname "$0")/.."

nproc=2
steps=24
out=/tmp/protoseg_bench_ddp
while [[ $# -gt 0 ]]; do
  case "$1" in
    --nproc) nproc="$2"; shift 2 ;;
    --steps) steps="$2"; shift 2 ;;
    --out) out="$2"; shift 2 ;;
    *) echo "bench_ddp.sh: unknown option $1" >&2; exit 2 ;;
  esac
done
bin="${PROTOSEG_BUILD_DIR:-build}/apps"
[[ -x "$bin/train-tpm" ]] || scripts/build.sh
weights="$(scripts/fetch_weights.sh)"
cores="$(nproc)"
threads_each=$((cores / nproc > 0 ? cores / nproc : 1))
rm -rf "$out"
mkdir -p "$out"

median_step_seconds() {  # metrics.jsonl -> median step_s over steps > 4
  python3 - "$1" <<'EOF'
import json, statistics, sys
rows = [json.loads(line) for line in open(sys.argv[1])]
print("%.3f" % statistics.median(r["step_s"] for r in rows if r["step"] > 4))
EOF
}

tpm() {  # world threads folder
  local world="$1" threads="$2" folder="$3"
  local args=(--config configs/tpm/abd_mri_cpu.yaml --out "$folder" --set "encoder.weights=$weights"
    --set "steps=$steps" --set log_every=1 --set validate_every=100000
    --set checkpoint_every=100000 --set "threads=$threads")
  if [[ "$world" -eq 1 ]]; then
    "$bin/train-tpm" "${args[@]}" > "$folder.log" 2>&1
  else
    scripts/launch.sh --nproc "$world" --log-dir "$folder.ranks" -- "$bin/train-tpm" "${args[@]}" \
      > "$folder.log" 2>&1
  fi
  median_step_seconds "$folder/metrics.jsonl"
}

unet() {  # world threads folder -> seconds of the epoch
  local world="$1" threads="$2" folder="$3"
  local args=(--config configs/prolearn/qata_cpu.yaml --model image-only --out "$folder"
    --set "model.weights=$weights" --set data.train_limit=320 --set data.val_limit=32
    --set student.epochs=1 --set "threads=$threads")
  if [[ "$world" -eq 1 ]]; then
    "$bin/prolearn-train" "${args[@]}" > "$folder.log" 2>&1
  else
    scripts/launch.sh --nproc "$world" --log-dir "$folder.ranks" -- "$bin/prolearn-train" "${args[@]}" \
      > "$folder.log" 2>&1
  fi
  awk -F, 'NR == 2 { print $6 }' "$folder/image_only/history.csv"
}

echo "| job | processes x threads | seconds | throughput |"
echo "| --- | --- | ---: | ---: |"
s1="$(tpm 1 "$cores" "$out/tpm_1")"
echo "| train-tpm step | 1 x $cores | $s1 | $(awk -v s="$s1" 'BEGIN { printf "%.3f episodes/s", 1 / s }') |"
sn="$(tpm "$nproc" "$threads_each" "$out/tpm_$nproc")"
echo "| train-tpm step | $nproc x $threads_each | $sn | $(awk -v s="$sn" -v n="$nproc" 'BEGIN { printf "%.3f episodes/s", n / s }') |"
e1="$(unet 1 "$cores" "$out/unet_1")"
echo "| image-only U-Net epoch (320 + 32 images) | 1 x $cores | $e1 | $(awk -v s="$e1" 'BEGIN { printf "%.2f images/s", 352 / s }') |"
en="$(unet "$nproc" "$threads_each" "$out/unet_$nproc")"
echo "| image-only U-Net epoch (320 + 32 images) | $nproc x $threads_each | $en | $(awk -v s="$en" 'BEGIN { printf "%.2f images/s", 352 / s }') |"
