#!/usr/bin/env bash
# Runs a config-driven sweep (configs/sweeps/*.yaml): trains and evaluates every unfinished
# (variant, fold, seed) cell, then aggregates the table into <out>/<name>.md.
#
#   scripts/sweep.sh configs/sweeps/table1_abd_mri_cpu.yaml [--jobs N] [--threads T] [--slurm]
#                    [--folds 0,1] [--plan-only]
#
# --jobs N     cells run in parallel on this machine (default 1)
# --threads T  torch threads per cell (default: all cores with one job, cores / N with N jobs;
#              on CPUs two 1-thread trainings outrun one 2-thread training, docs/benchmarks.md)
# --folds F    run only the unfinished cells of these folds (comma-separated; default all)
# --slurm      write <out>/<name>.sbatch (a Slurm array job, one task per unfinished cell) and
#              stop; submit it with sbatch, then run this script again to aggregate
# Finished cells are skipped and interrupted training resumes, so the script can be rerun; with
# `archive:` in the sweep YAML each finished cell's results and training logs are also copied into
# that folder (docs/results/sweeps/<name>, kept in git), which counts as finished on a fresh clone.
set -euo pipefail
cd "$(dirname "$0")/.."

config="${1:?usage: scripts/sweep.sh SWEEP.yaml [--jobs N] [--threads T] [--slurm] [--plan-only]}"
shift
jobs=1
threads=""
slurm=0
plan_only=0
folds=()
while [[ $# -gt 0 ]]; do
  case "$1" in
    --jobs) jobs="$2"; shift 2 ;;
    --threads) threads="$2"; shift 2 ;;
    --folds) folds=(--folds "$2"); shift 2 ;;
    --slurm) slurm=1; shift ;;
    --plan-only) plan_only=1; shift ;;
    *) echo "sweep.sh: unknown option $1" >&2; exit 2 ;;
  esac
done

build_dir="${PROTOSEG_BUILD_DIR:-build}"
if [[ ! -x "$build_dir/apps/sweep" ]]; then
  scripts/build.sh
fi
bin="$build_dir/apps"
if [[ -z "$threads" ]]; then
  threads=0  # each job's configured default: all cores
  if [[ $jobs -gt 1 ]]; then
    threads=$(( $(nproc) / jobs ))
    [[ $threads -ge 1 ]] || threads=1
  fi
fi

if [[ $slurm -eq 1 ]]; then
  "$bin/sweep" plan --config "$config" --bin "$bin" --slurm "${folds[@]}"
  exit 0
fi
job_list="$("$bin/sweep" plan --config "$config" --bin "$bin" --threads "$threads" "${folds[@]}")"
if [[ $plan_only -eq 0 && -s "$job_list" ]]; then
  # One shell per job; a failing job is reported and the others go on.
  tr '\n' '\0' < "$job_list" |
    xargs -0 -P "$jobs" -n 1 bash -c 'eval "$1" || echo "sweep.sh: job failed: $1" >&2' job
fi
"$bin/sweep" table --config "$config" --bin "$bin"
