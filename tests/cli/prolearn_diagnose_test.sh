#!/usr/bin/env bash
# End-to-end check of prolearn-diagnose on a tiny ProLearn run of real QaTa-COV19 images: every
# table is written with one row per token, label and query, the retrieval shares and Dice values
# are in [0, 1], and a run without a PSA fails with a message naming the missing file.
#   prolearn_diagnose_test.sh <apps folder> <shared data folder>
set -euo pipefail
bin="$1"
shared="${PROTOSEG_SHARED_DATA:-$2}"
py=python3
[[ -x /usr/bin/python3 ]] && py=/usr/bin/python3
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

source "$(dirname "${BASH_SOURCE[0]}")/tiny_prolearn_run.sh"
train_tiny_prolearn_run "$bin" "$shared" "$work" "$py"

"$bin/prolearn-diagnose" --run "$work/run" --batch-size 4 > "$work/diagnose.log" 2>&1 ||
  { cat "$work/diagnose.log"; exit 1; }
out="$work/run/diagnosis"
for file in token_relevance.csv relevance_histogram.csv surrogate_labels.csv retrieval.csv \
            diagnosis.json; do
  [[ -s "$out/$file" ]] || { echo "missing $out/$file"; ls "$out"; exit 1; }
done
"$py" - "$out" <<'PY'
import csv, json, os, sys
out = sys.argv[1]
d = json.load(open(os.path.join(out, "diagnosis.json")))
assert d["paired_samples"] == 12, d["paired_samples"]  # half of the 24 training images
rows = list(csv.DictReader(open(os.path.join(out, "retrieval.csv"))))
assert len(rows) == 8 and all(r["own_report"] for r in rows), rows  # the 8 val images
for criterion in ("report", "laterality", "zones", "areas"):
    for key, value in d["retrieval"][criterion].items():
        assert 0.0 <= value <= 1.0, (criterion, key, value)
    a = d["retrieval"][criterion]
    assert a["top1"] <= a["any_of_k"] <= a["reachable"] + 1e-9, (criterion, a)
# Every paired image as a prototype, found by each query embedding.
by = d["retrieval_nearest_paired"]
assert set(by) == {"teacher_pooled", "teacher_grid2", "teacher_grid4", "predicted_lesion_8x8",
                   "true_lesion_8x8"}, by.keys()
for name, nearest in by.items():
    assert nearest["references"] == 12 and nearest["queries"] == 8, (name, nearest)
    for criterion in ("report", "laterality", "zones", "areas"):
        a = nearest[criterion]
        assert 0.0 <= a["chance"] <= 1.0, (name, a)
        assert a["top1"] <= a["any_of_k"] <= a["reachable"] + 1e-9, (name, a)
variants = {"prolearn_retrieved", "prolearn_random_prototype", "prolearn_matching_prototype",
            "prolearn_own_report", "prolearn_nearest_paired_response", "teacher_full_report",
            "teacher_nearest_paired_report", "teacher_nearest_paired_report_by_grid4",
            "teacher_nearest_paired_report_by_predicted_lesion",
            "teacher_nearest_paired_report_by_true_lesion", "teacher_other_report"}
assert set(d["dice"]) == variants, d["dice"].keys()
scales = d["guide_scales"]  # three guide layers in each model, learnt from 0.01
assert len(scales["teacher"]) == 3 and len(scales["prolearn"]) == 3, scales
assert all(0.0 < v < 1.0 for m in scales.values() for v in m.values()), scales
assert all(0.0 <= v["mean_dice"] <= 1.0 for v in d["dice"].values()), d["dice"]
tokens = list(csv.DictReader(open(os.path.join(out, "token_relevance.csv"))))
assert {t["token"] for t in tokens} >= {"left", "right", "lung"}, [t["token"] for t in tokens]
assert all(0.0 <= float(t["kept_rate"]) <= 1.0 for t in tokens)
histogram = list(csv.DictReader(open(os.path.join(out, "relevance_histogram.csv"))))
counted = sum(int(r["location"]) + int(r["extent"]) + int(r["other"]) for r in histogram)
assert counted == sum(int(t["occurrences"]) for t in tokens), counted
labels = list(csv.DictReader(open(os.path.join(out, "surrogate_labels.csv"))))
assert sum(int(l["samples"]) for l in labels) == 12, labels
PY

# A run whose PSA is missing: one clear error naming the file.
mv "$work/run/psa" "$work/run/psa_moved"
if "$bin/prolearn-diagnose" --run "$work/run" > "$work/bad.log" 2>&1; then
  echo "diagnosed a run without a PSA"; exit 1
fi
grep -q "prototypes.pt" "$work/bad.log" || { cat "$work/bad.log"; exit 1; }
echo "prolearn-diagnose: ok"
