#!/usr/bin/env bash
# train-tpm from the command line: clear one-line errors for bad input, and a short run that
# is interrupted, refused without --resume, and resumed.
#   train_tpm_test.sh <train-tpm> <make-supervoxels> <repo> <shared data>
set -euo pipefail
train_tpm="$1"
make_supervoxels="$2"
repo="$3"
shared="${PROTOSEG_SHARED_DATA:-$4}"  # the environment overrides the configured default
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

fail() { echo "FAIL: $*" >&2; exit 1; }
expect_error() {  # expected-substring command...
  local expected="$1"; shift
  local output
  if output="$("$@" 2>&1)"; then fail "expected failure: $*"; fi
  grep -qF -- "$expected" <<<"$output" || fail "expected '$expected' in: $output"
  [[ "$(grep -c 'error:' <<<"$output")" == 1 ]] || fail "expected one error line: $output"
}

# A two-volume dataset (ids 1, 2) with its supervoxels made here.
mkdir -p "$work/data"
for id in 1 2; do
  ln -s "$shared/abd_mri/image_$id.nii.gz" "$work/data/image_$id.nii.gz"
  ln -s "$shared/abd_mri/label_$id.nii.gz" "$work/data/label_$id.nii.gz"
done
cat >"$work/data.yaml" <<YAML
name: two
root: data
labels: {liver: 1}
folds: [[0]]
YAML
cat >"$work/train.yaml" <<YAML
dataset: data.yaml
steps: 3
encoder: {depth: 18, output_stride: 32, weights: none}
episodes: {image_size: 96}
precision: fp32
checkpoint_every: 1
log_every: 1
YAML

expect_error "make-supervoxels --dataset" "$train_tpm" --config "$work/train.yaml" --out "$work/run0"
expect_error "'optimizer.lr': must be positive" \
  "$train_tpm" --config "$work/train.yaml" --set optimizer.lr=-1 --out "$work/run0"
expect_error "train.yaml.missing: config file not found" \
  "$train_tpm" --config "$work/train.yaml.missing" --out "$work/run0"

"$make_supervoxels" --dataset "$work/data.yaml" >/dev/null 2>&1
"$train_tpm" --config "$work/train.yaml" --out "$work/run" --steps 2 --log-level warn 2>/dev/null
[[ -f "$work/run/checkpoint.pt" && -f "$work/run/model.pth" && -f "$work/run/config.yaml" ]] ||
  fail "run folder incomplete: $(ls "$work/run")"
[[ "$(wc -l <"$work/run/metrics.jsonl")" == 2 ]] || fail "expected 2 metric rows"
expect_error "exists: pass --resume" "$train_tpm" --config "$work/train.yaml" --out "$work/run"
"$train_tpm" --config "$work/train.yaml" --out "$work/run" --resume --log-level warn 2>/dev/null
[[ "$(wc -l <"$work/run/metrics.jsonl")" == 3 ]] || fail "expected 3 metric rows after resume"
# TensorBoard: every number of every metrics.jsonl row is a scalar train/<key> at its step (two
# event files: the first run's and the resumed one's), read back by an independent decoder.
py=python3
[[ -x /usr/bin/python3 ]] && py=/usr/bin/python3  # Debian's, with python3-protobuf
[[ "$(ls "$work/run"/events.out.tfevents.* | wc -l)" == 2 ]] || fail "expected 2 event files"
"$py" "$repo/scripts/tensorboard_events.py" "$work/run" >"$work/events.csv" ||
  fail "event files unreadable"
"$py" - "$work/run/metrics.jsonl" "$work/events.csv" <<'PY' || fail "events differ from metrics"
import csv, json, math, sys
expected = {}
for line in open(sys.argv[1]):
    row = json.loads(line)
    for key, value in row.items():
        if isinstance(value, (int, float)) and key not in ("step", "episode"):
            expected[("train/" + key, row["step"])] = float(value)
got = {(r["tag"], int(r["step"])): float(r["value"])
       for r in csv.DictReader(open(sys.argv[2])) if r["tag"].startswith("train/")}
assert set(got) == set(expected), sorted(set(got) ^ set(expected))[:5]
for key, value in expected.items():
    assert math.isclose(got[key], value, rel_tol=1e-6, abs_tol=1e-30), (key, got[key], value)
print(len(got), "scalars match")
PY

# Ctrl-C: the run stops after the current step, writes a checkpoint and exits with 130.
"$train_tpm" --config "$work/train.yaml" --out "$work/interrupted" --steps 500 --log-level warn \
  2>/dev/null &
pid=$!
for _ in $(seq 1 600); do
  [[ -s "$work/interrupted/metrics.jsonl" ]] && break
  sleep 0.1
done
kill -INT "$pid"
status=0
wait "$pid" || status=$?
[[ "$status" == 130 ]] || fail "expected exit status 130 after SIGINT, got $status"
[[ -f "$work/interrupted/checkpoint.pt" && ! -f "$work/interrupted/model.pth" ]] ||
  fail "interrupted run: $(ls "$work/interrupted")"
steps_done="$(wc -l <"$work/interrupted/metrics.jsonl")"
"$train_tpm" --config "$work/train.yaml" --out "$work/interrupted" --steps "$((steps_done + 1))" \
  --resume --log-level warn 2>/dev/null
[[ "$(wc -l <"$work/interrupted/metrics.jsonl")" == "$((steps_done + 1))" ]] ||
  fail "resume after SIGINT did not continue the metrics"
echo "train-tpm CLI: ok"
