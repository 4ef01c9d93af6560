# Sourced by the ProLearn CLI tests. train_tiny_prolearn_run BIN SHARED WORK PY makes a small
# ProLearn-layout folder of real QaTa-COV19 images in WORK/data (24 train, 8 val, 6 test; the
# test images also in WORK/input) and trains a tiny ProLearn run (teacher, PSA, student; one
# epoch each at 64 x 64) into WORK/run.
train_tiny_prolearn_run() {
  local bin="$1" shared="$2" work="$3" py="$4"
  local qata="$shared/qata_cov19"
  [[ -f "$qata/split.json" ]] || { echo "shared data missing: $qata/split.json"; exit 1; }
  mkdir -p "$work/data/images" "$work/data/masks" "$work/data/reports" "$work/input"
  "$py" - "$qata" "$work/data" <<'PY'
import json, os, sys
src, dst = os.path.abspath(sys.argv[1]), sys.argv[2]
split = json.load(open(os.path.join(src, "split.json")))
small = {"train": split["train"][:24], "val": split["val"][:8], "test": split["test"][:6]}
for ids in small.values():
    for i in ids:
        for sub, ext in (("images", "png"), ("masks", "png"), ("reports", "txt")):
            f = os.path.join(src, sub, f"{i}.{ext}")
            if os.path.exists(f):
                os.symlink(f, os.path.join(dst, sub, f"{i}.{ext}"))
        if i in small["test"]:
            os.symlink(os.path.join(src, "images", f"{i}.png"),
                       os.path.join(dst, "..", "input", f"{i}.png"))
json.dump(small, open(os.path.join(dst, "split.json"), "w"))
PY
  cat > "$work/tiny.yaml" <<YAML
data: {root: data, vocab: $shared/text/cxr_bert_vocab.txt, image_size: 64, token_length: 16}
text_fraction: 0.5
seed: 3
model: {depth: 18, decoder_channels: [16, 16, 8, 8], text_dim: 16, text_layers: 1, text_heads: 2}
psa: {sub_clusters: 2, top_k: 2, min_cluster_size: 2}
teacher: {epochs: 1, batch_size: 8}
student: {epochs: 1, batch_size: 8}
precision: fp32
device: cpu
YAML
  "$bin/prolearn-train" --config "$work/tiny.yaml" --out "$work/run" > "$work/train.log" 2>&1 ||
    { tail -20 "$work/train.log"; exit 1; }
}
