#!/usr/bin/env bash
# End-to-end check of scripts/prolearn_sweep.sh on tiny ProLearn runs of real QaTa-COV19 images:
# a sweep with a ProLearn variant (two seeds) and the image-only U-Net trains and scores every
# run on val and test, archives the scores, writes one table with mean +- std over the seeds,
# skips finished runs on a rerun, rescores only what is missing, --only runs one variant and
# --slurm writes an array job for what is missing.
#   prolearn_sweep_test.sh <apps folder> <shared data folder>
set -euo pipefail
bin="$(cd "$1" && pwd)"
shared="${PROTOSEG_SHARED_DATA:-$2}"
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
py=python3
[[ -x /usr/bin/python3 ]] && py=/usr/bin/python3
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# The helper's data folder and tiny config (its own run is not used).
source "$(dirname "${BASH_SOURCE[0]}")/tiny_prolearn_run.sh"
train_tiny_prolearn_run "$bin" "$shared" "$work" "$py"
cat > "$work/sweep.yaml" <<YAML
name: tiny
out: runs
archive: archive
seeds: [3]
variants:
  text50: {config: tiny.yaml, text_fraction: 0.5, seeds: [3, 4]}
  image_only: {config: tiny.yaml, model: image-only, set: ["student.epochs=\$TINY_EPOCHS"]}
rows:
  - {label: ProLearn 50 %, variant: text50}
  - {label: GuideSeg-style 50 %, variant: text50, model: guideseg}
  - {label: image-only U-Net, variant: image_only, model: image-only}
YAML
export TINY_EPOCHS=1  # a --set value reaches the shell in double quotes: variables expand
cd "$work"  # the tiny config's data root is relative to it
sweep() { PROTOSEG_BUILD_DIR="$(dirname "$bin")" bash "$repo/scripts/prolearn_sweep.sh" "$@"; }

sweep sweep.yaml --only text50 > only.log 2>&1 || { cat only.log; exit 1; }
[[ -f runs/text50/seed4/eval_guideseg_test/metrics.json ]] || { cat only.log; exit 1; }
[[ ! -d runs/image_only ]] || { echo "--only text50 trained image_only"; exit 1; }
grep -q "| image-only U-Net | - | - | - | - | 0/1 |" runs/tiny.md ||
  { cat runs/tiny.md; exit 1; }

sweep sweep.yaml --jobs 2 > all.log 2>&1 || { cat all.log; exit 1; }
grep -q "tiny: 3 runs, 2 finished, 1 to run" all.log || { cat all.log; exit 1; }
"$py" - <<'PY'
import csv, json, os
rows = list(csv.DictReader(open("archive/tiny.csv")))
assert len(rows) == 10, rows  # (2 + 2) seeds x 2 splits for text50's two rows, 1 x 2 image-only
for r in rows:
    assert 0 <= float(r["mean_dice"]) <= 1, r
assert {r["seed"] for r in rows if r["variant"] == "text50"} == {"3", "4"}
for run, stage in (("text50/seed3", "prolearn"), ("text50/seed4", "prolearn"),
                   ("text50/seed3", "teacher"), ("image_only/seed3", "image_only")):
    assert os.path.exists(f"archive/{run}/config.yaml"), run
    assert os.path.exists(f"archive/{run}/{stage}/history.csv"), (run, stage)
assert os.path.exists("archive/text50/seed3/eval_guideseg_val/per_image.csv")
table = open("archive/tiny.md").read()
assert "| ProLearn 50 % |" in table and "(2) | 2/2 |" in table, table
assert "| 1/1 |" in table, table
PY

# A finished sweep runs nothing; a lost score is recomputed without retraining.
sweep sweep.yaml > again.log 2>&1 || { cat again.log; exit 1; }
grep -q "tiny: 3 runs, 3 finished, 0 to run" again.log || { cat again.log; exit 1; }
rm -r runs/text50/seed3/eval_prolearn_test archive/text50/seed3/eval_prolearn_test
stamp="$(stat -c %Y runs/text50/seed3/prolearn/history.csv)"

# --slurm runs nothing and writes an array job with one task per unfinished run; a task rescores.
PROTOSEG_WEIGHTS="/weights/r50 v1.pth" sweep sweep.yaml --slurm > slurm.log 2>&1 ||
  { cat slurm.log; exit 1; }
grep -q "submit with: sbatch .*runs/tiny.sbatch" slurm.log || { cat slurm.log; exit 1; }
grep -q "^#SBATCH --array=1-1$" runs/tiny.sbatch || { cat runs/tiny.sbatch; exit 1; }
grep -qF "export PROTOSEG_WEIGHTS='/weights/r50 v1.pth'" runs/tiny.sbatch ||
  { cat runs/tiny.sbatch; exit 1; }
[[ -d runs/slurm && ! -f runs/text50/seed3/eval_prolearn_test/metrics.json ]] ||
  { echo "--slurm ran a job or made no log folder"; exit 1; }
SLURM_ARRAY_TASK_ID=1 bash runs/tiny.sbatch > task.log 2>&1 || { cat task.log; exit 1; }
[[ -f archive/text50/seed3/eval_prolearn_test/metrics.json ]] || { cat task.log; exit 1; }
rm -r runs/text50/seed3/eval_prolearn_test archive/text50/seed3/eval_prolearn_test

sweep sweep.yaml > rescore.log 2>&1 || { cat rescore.log; exit 1; }
[[ -f runs/text50/seed3/eval_prolearn_test/metrics.json ]] || { cat rescore.log; exit 1; }
[[ "$(stat -c %Y runs/text50/seed3/prolearn/history.csv)" == "$stamp" ]] ||
  { echo "the finished run was retrained"; exit 1; }

# scripts/prolearn_table.sh given a sweep YAML runs the sweep.
PROTOSEG_BUILD_DIR="$(dirname "$bin")" bash "$repo/scripts/prolearn_table.sh" sweep.yaml --plan-only \
  > table.log 2>&1 || { cat table.log; exit 1; }
grep -q "tiny: 3 runs, 3 finished, 0 to run" table.log || { cat table.log; exit 1; }

# Bad input: an unknown variant is named.
if sweep sweep.yaml --only text5 > bad.log 2>&1; then echo "--only text5 succeeded"; exit 1; fi
grep -q "names unknown variant 'text5'" bad.log || { cat bad.log; exit 1; }
echo "prolearn sweep: ok"
