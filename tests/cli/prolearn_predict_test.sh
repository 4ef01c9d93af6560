#!/usr/bin/env bash
# End-to-end check of prolearn-predict on real QaTa-COV19 images: a tiny ProLearn run is
# trained, then its masks for test images equal prolearn-eval's, any image size is served at its
# own size, and bad input fails clearly without touching existing output.
#   prolearn_predict_test.sh <apps folder> <shared data folder>
set -euo pipefail
bin="$1"
shared="${PROTOSEG_SHARED_DATA:-$2}"
# Debian's interpreter has python3-skimage (scripts/install_deps.sh); a pyenv one may not.
py=python3
[[ -x /usr/bin/python3 ]] && py=/usr/bin/python3
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# A tiny ProLearn run on real images: 24 train, 8 val, 6 test; the test images also in input/.
source "$(dirname "${BASH_SOURCE[0]}")/tiny_prolearn_run.sh"
train_tiny_prolearn_run "$bin" "$shared" "$work" "$py"

# The same checkpoint through both paths, one image per forward pass: identical mask files.
"$bin/prolearn-eval" --run "$work/run" --split test --batch-size 1 --overlays 0 \
  --masks "$work/eval_masks" > "$work/eval.log" 2>&1 || { cat "$work/eval.log"; exit 1; }
[[ $(ls "$work/input" | wc -l) -eq 6 ]] || { echo "expected 6 test images"; exit 1; }
"$bin/prolearn-predict" --run "$work/run" --input "$work/input" --out "$work/masks" \
  --batch-size 1 --overlays "$work/overlays" > "$work/predict.log" 2>&1 ||
  { cat "$work/predict.log"; exit 1; }
for mask in "$work"/eval_masks/*.png; do
  cmp -s "$mask" "$work/masks/$(basename "$mask")" ||
    { echo "prolearn-predict and prolearn-eval differ on $(basename "$mask")"; exit 1; }
done
[[ $(ls "$work/overlays" | wc -l) -eq 6 ]] || { echo "overlays missing"; exit 1; }
[[ $(wc -l < "$work/masks/summary.csv") -eq 7 ]] || { cat "$work/masks/summary.csv"; exit 1; }

# Any size: a 300 x 180 copy gets a 300 x 180 mask.
first="$(ls "$work/input" | head -1)"
"$py" - "$work/input/$first" "$work/odd.png" <<'PY'
import sys
import numpy as np
import skimage.io, skimage.transform
image = skimage.io.imread(sys.argv[1])
resized = skimage.transform.resize(image, (180, 300), preserve_range=True)
skimage.io.imsave(sys.argv[2], resized.astype(np.uint8), check_contrast=False)
PY
"$bin/prolearn-predict" --run "$work/run" --input "$work/odd.png" --out "$work/odd" \
  > "$work/odd.log" 2>&1 || { cat "$work/odd.log"; exit 1; }
"$py" -c "import skimage.io,sys; s=skimage.io.imread(sys.argv[1]).shape; sys.exit(0 if s==(180,300) else 'mask shape %s' % (s,))" "$work/odd/odd.png"

# Bad input: one clear line, a non-zero exit, existing output untouched.
before="$(md5sum "$work/masks/$first")"
if "$bin/prolearn-predict" --run "$work/run" --input "$work/input" --out "$work/masks" \
     > "$work/bad1.log" 2>&1; then
  echo "existing masks overwritten without --force"; exit 1
fi
grep -q "prolearn-predict: error: .* exists; pass --force to overwrite it" "$work/bad1.log" ||
  { cat "$work/bad1.log"; exit 1; }
[[ "$(md5sum "$work/masks/$first")" == "$before" ]] || { echo "mask changed"; exit 1; }
if "$bin/prolearn-predict" --run "$work/run" --model guideseg --input "$work/input" \
     --out "$work/g" > "$work/bad2.log" 2>&1; then
  echo "guideseg accepted without reports"; exit 1
fi
grep -q "guideseg reads a report for every image" "$work/bad2.log" || { cat "$work/bad2.log"; exit 1; }
# A corrupt image in a folder is reported; the other images are still written.
mkdir -p "$work/mixed"
cp "$work/odd.png" "$work/mixed/good.png"
echo "not an image" > "$work/mixed/broken.png"
if "$bin/prolearn-predict" --run "$work/run" --input "$work/mixed" --out "$work/mixed_out" \
     > "$work/bad3.log" 2>&1; then
  echo "corrupt image accepted"; exit 1
fi
grep -q "broken.png" "$work/bad3.log" || { cat "$work/bad3.log"; exit 1; }
grep -q "1 of 2 images failed" "$work/bad3.log" || { cat "$work/bad3.log"; exit 1; }
[[ -f "$work/mixed_out/good.png" && ! -e "$work/mixed_out/broken.png" ]] ||
  { ls "$work/mixed_out"; exit 1; }
echo "prolearn-predict: ok"
