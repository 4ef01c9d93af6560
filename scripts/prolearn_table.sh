#!/usr/bin/env bash
# The text-fraction experiment (ProLearn Table 1): for each fraction, prolearn-train (the
# text-guided teacher on the paired subset = the GuideSeg-style baseline, PSA initialisation,
# ProLearn on all images) and prolearn-eval of ProLearn and of the teacher; the image-only U-Net
# once; then the table in <out>/table_test.md.
#
#   scripts/prolearn_table.sh configs/prolearn/qata_cpu.yaml [--fractions "0.01 0.5 0.1 0.05 0.25"]
#                             [--out runs/qata_cpu] [--set key=value ...]
#   scripts/prolearn_table.sh configs/sweeps/prolearn_qata.yaml [--only text1] [--jobs N]
#
# Finished stages are skipped and interrupted ones resume, so the script can be rerun.
# Environment: PROTOSEG_BUILD_DIR (default build).
set -euo pipefail

config="${1:?usage: scripts/prolearn_table.sh CONFIG [--fractions LIST] [--out DIR] [--set k=v]}"
shift
# A sweep YAML (configs/sweeps/prolearn_*.yaml: variants, seeds, rows) runs as a sweep, with
# its options (--only VARIANT,... for one row, --jobs, --threads, --plan-only, --slurm).
if grep -q '^variants:' "$config"; then
  exec bash "$(dirname "$0")/prolearn_sweep.sh" "$config" "$@"
fi
cd "$(dirname "$0")/.."
fractions="0.01 0.5 0.1 0.05 0.25"
out="runs/$(basename "$config" .yaml)"
sets=()
while [[ $# -gt 0 ]]; do
  case "$1" in
    --fractions) fractions="$2"; shift 2 ;;
    --out) out="$2"; shift 2 ;;
    --set) sets+=(--set "$2"); shift 2 ;;
    *) echo "prolearn_table.sh: unknown option $1" >&2; exit 2 ;;
  esac
done

build_dir="${PROTOSEG_BUILD_DIR:-build}"
if [[ ! -x "$build_dir/apps/prolearn-train" ]]; then
  scripts/build.sh
fi
bin="$build_dir/apps"
weights="$(scripts/fetch_weights.sh)"
sets=(--set "model.weights=$weights" "${sets[@]}")

run_and_score() {  # folder model [train args...]
  local folder="$1" model="$2"
  shift 2
  "$bin/prolearn-train" --config "$config" --model "$model" --out "$folder" --resume "${sets[@]}" "$@"
  for scored in "$model" $([[ "$model" == prolearn ]] && echo guideseg); do
    if [[ ! -f "$folder/eval_${scored}_test/metrics.json" ]]; then
      "$bin/prolearn-eval" --run "$folder" --model "$scored" --split test
    fi
  done
}

first=1
for fraction in $fractions; do
  percent="$(awk -v f="$fraction" 'BEGIN { printf "%g", f * 100 }')"
  run_and_score "$out/text$percent" prolearn --text-fraction "$fraction"
  if [[ $first -eq 1 ]]; then  # the image-only U-Net reads no reports: one run serves all rows
    run_and_score "$out/image_only" image-only
    first=0
  fi
done
"$bin/prolearn-table" --root "$out" --split test
