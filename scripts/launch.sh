#!/usr/bin/env bash
# Starts N local processes of a protoseg command for data-parallel training, the torchrun way:
# each gets RANK, LOCAL_RANK, WORLD_SIZE, MASTER_ADDR and MASTER_PORT. If one process fails,
# the others are stopped and the script exits with its status.
#
#   scripts/launch.sh --nproc 2 [--port 29500] -- build/apps/prolearn-train --config ... --out DIR
#
# Rank 0 prints to the terminal (and is the only one to write checkpoints); the output of
# ranks 1.. goes to <log-dir>/rank<R>.log (--log-dir, default ./launch_logs).
set -uo pipefail

nproc=2
port="${MASTER_PORT:-29500}"
log_dir="launch_logs"
while [[ $# -gt 0 ]]; do
  case "$1" in
    --nproc) nproc="$2"; shift 2 ;;
    --port) port="$2"; shift 2 ;;
    --log-dir) log_dir="$2"; shift 2 ;;
    --) shift; break ;;
    *) echo "launch.sh: unknown option $1 (put the command after --)" >&2; exit 2 ;;
  esac
done
[[ $# -gt 0 ]] || { echo "usage: scripts/launch.sh --nproc N [--port P] -- COMMAND..." >&2; exit 2; }
mkdir -p "$log_dir"

pids=()
for ((rank = 0; rank < nproc; rank++)); do
  if [[ $rank -eq 0 ]]; then
    RANK=$rank LOCAL_RANK=$rank WORLD_SIZE=$nproc MASTER_ADDR=127.0.0.1 MASTER_PORT=$port "$@" &
  else
    RANK=$rank LOCAL_RANK=$rank WORLD_SIZE=$nproc MASTER_ADDR=127.0.0.1 MASTER_PORT=$port "$@" \
      >"$log_dir/rank$rank.log" 2>&1 &
  fi
  pids+=($!)
done
trap 'kill "${pids[@]}" 2>/dev/null' INT TERM

status=0
while [[ ${#pids[@]} -gt 0 ]]; do
  wait -n -p finished "${pids[@]}"
  code=$?
  remaining=()
  for pid in "${pids[@]}"; do [[ $pid != "$finished" ]] && remaining+=("$pid"); done
  pids=("${remaining[@]}")
  if [[ $code -ne 0 && $status -eq 0 ]]; then
    status=$code
    echo "launch.sh: a process exited with status $code; stopping the others" >&2
    kill -TERM "${pids[@]}" 2>/dev/null
  fi
done
exit $status
