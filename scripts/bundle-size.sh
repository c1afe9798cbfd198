#!/usr/bin/env bash
# Brotli-compressed size of the release client, measured on the .br files
# `cargo leptos build --release --precompress --split` writes: the bytes a browser downloads.
# The client every page loads (wasm + JS + CSS + the split loader) has a 300 KB target; the lazy
# chunks (the template builder, the template list) load only on the pages that use them and are
# reported beside it.
#   scripts/bundle-size.sh            report the sizes against the target
#   scripts/bundle-size.sh --enforce  also fail when the client every page loads is over it
set -euo pipefail
cd "$(dirname "$0")/.."
target=300000
pkg=target/site/pkg
# Prints one file's sizes and leaves the compressed size in $size.
measure() {
  local file=$1
  if ! [ -f "$file" ] || ! [ -f "$file.br" ]; then
    echo "missing $file(.br): run cargo leptos build --release --precompress --split first" >&2
    exit 1
  fi
  size=$(stat -c %s "$file.br")
  printf '  %-44s %9d bytes raw %9d bytes brotli\n' "$2" "$(stat -c %s "$file")" "$size"
}
echo "loaded by every page:"
total=0
for file in "$pkg/opsflow.wasm" "$pkg/opsflow.js" "$pkg/opsflow.css" "$pkg"/__wasm_split.*.js; do
  measure "$file" "$(basename "$file")"
  total=$((total + size))
done
printf 'client every page loads: %d bytes brotli (target %d)\n' "$total" "$target"
echo "lazy chunks, loaded by the pages that use them:"
for file in "$pkg"/split_*.wasm; do
  [ -e "$file" ] || continue
  measure "$file" "$(basename "$file" | sed 's/_loader_[0-9]*\.wasm$//; s/^split_//')"
done
if [ "$total" -gt "$target" ]; then
  echo "the client is over its 300 KB target" >&2
  [ "${1:-}" != "--enforce" ] || exit 1
fi
