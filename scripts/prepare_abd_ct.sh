#!/usr/bin/env bash
# Unpacks the ABD-CT (Synapse) volumes of the shared data into the project tree once:
#   scripts/prepare_abd_ct.sh [TARGET]      # default: derived/abd_ct
# The archive is ../shared/data/abd_ct/abd_ct.tar.xz (PROTOSEG_SHARED_DATA overrides
# ../shared/data). A finished unpack is recognised by its manifest (the archive's size and time,
# name and size of every file) and skipped; a partial or altered one is unpacked again.
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
shared="${PROTOSEG_SHARED_DATA:-$repo/../shared/data}"
archive="$shared/abd_ct/abd_ct.tar.xz"
target="${1:-$repo/derived/abd_ct}"

if [[ ! -f "$archive" ]]; then
  echo "prepare_abd_ct: $archive not found (set PROTOSEG_SHARED_DATA)" >&2
  exit 1
fi
manifest="$target/.manifest"
stamp="archive $(stat -c '%s %Y' "$archive")"
# A manifest: the archive's size and time, then name and size of every file it holds.
complete() {
  [[ -f "$manifest" ]] && [[ "$(head -n 1 "$manifest")" == "$stamp" ]] || return 1
  local name size
  while read -r name size; do
    [[ -f "$target/$name" ]] && [[ "$(stat -c %s "$target/$name")" == "$size" ]] || return 1
  done < <(tail -n +2 "$manifest")
}
if complete; then
  echo "prepare_abd_ct: $target is complete ($(($(wc -l <"$manifest") - 1)) files)" >&2
  exit 0
fi
echo "prepare_abd_ct: unpacking $archive into $target (about 30 s)" >&2
partial="$target.partial"
rm -rf "$partial"
mkdir -p "$partial"
tar -xJf "$archive" -C "$partial"
{
  echo "$stamp"
  (cd "$partial" && for f in *; do echo "$f $(stat -c %s "$f")"; done)
} >"$partial/.manifest"
rm -rf "$target"
mv "$partial" "$target"
echo "prepare_abd_ct: $(($(wc -l <"$target/.manifest") - 1)) files in $target" >&2
