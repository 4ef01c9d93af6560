#!/usr/bin/env bash
# Runs a ProLearn sweep (configs/sweeps/prolearn_*.yaml): trains and scores every unfinished
# (variant, seed) run, then writes the aggregated table. Resumable: rerun the same command after
# an interruption and only the unfinished work runs again.
#   scripts/prolearn_sweep.sh SWEEP.yaml [--jobs N] [--threads T] [--only VARIANT,...] [--plan-only]
#                             [--slurm]
# --jobs N runs N runs at once, each with cores / N torch threads unless --threads says
# otherwise. --only runs just the named variants (one row of a table: its variant). The sweep's
# configs read the ImageNet weights as $PROTOSEG_WEIGHTS, which this script fetches and sets.
# --slurm runs nothing: it writes <out>/<name>.sbatch, a Slurm array job with one GPU task per
# unfinished run (each task resumes and skips finished work), to submit with sbatch.
# Paths (the sweep YAML, PROTOSEG_BUILD_DIR) are relative to the current folder.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"

config="${1:?usage: scripts/prolearn_sweep.sh SWEEP.yaml [--jobs N] [--threads T] [--only V,...] [--plan-only] [--slurm]}"
shift
jobs=1
threads=""
plan_only=0
slurm=0
only=()
while [[ $# -gt 0 ]]; do
  case "$1" in
    --jobs) jobs="$2"; shift 2 ;;
    --threads) threads="$2"; shift 2 ;;
    --only) only=(--only "$2"); shift 2 ;;
    --plan-only) plan_only=1; shift ;;
    --slurm) slurm=1; shift ;;
    *) echo "prolearn_sweep.sh: unknown option $1" >&2; exit 2 ;;
  esac
done

build_dir="${PROTOSEG_BUILD_DIR:-$repo/build}"
if [[ ! -x "$build_dir/apps/prolearn-sweep" ]]; then
  (cd "$repo" && scripts/build.sh)
fi
bin="$build_dir/apps"
if grep -q 'PROTOSEG_WEIGHTS' "$config"; then
  PROTOSEG_WEIGHTS="$("$repo/scripts/fetch_weights.sh")"
  export PROTOSEG_WEIGHTS
fi
if [[ -z "$threads" ]]; then
  threads=0  # each run's configured default: all cores
  if [[ $jobs -gt 1 ]]; then
    threads=$(( $(nproc) / jobs ))
    [[ $threads -ge 1 ]] || threads=1
  fi
fi

if [[ $slurm -eq 1 ]]; then  # each task's configured threads (all of its node's cores)
  "$bin/prolearn-sweep" plan --config "$config" --bin "$bin" --slurm "${only[@]}"
  exit 0
fi
job_list="$("$bin/prolearn-sweep" plan --config "$config" --bin "$bin" --threads "$threads" "${only[@]}")"
if [[ $plan_only -eq 0 && -s "$job_list" ]]; then
  # One shell per run; a failing run is reported and the others go on.
  tr '\n' '\0' < "$job_list" |
    xargs -0 -P "$jobs" -n 1 bash -c 'eval "$1" || echo "prolearn_sweep.sh: job failed: $1" >&2' job
fi
"$bin/prolearn-sweep" table --config "$config" --bin "$bin"
