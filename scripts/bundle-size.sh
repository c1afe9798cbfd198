#!/usr/bin/env bash
# Brotli-compressed size of the whole release client (wasm + JS + CSS), measured on the .br
# files `cargo leptos build --release --precompress` writes: the bytes a browser downloads.
#   scripts/bundle-size.sh            report the size against the 300 KB target
#   scripts/bundle-size.sh --enforce  also fail when over the target
set -euo pipefail
cd "$(dirname "$0")/.."
target=300000
total=0
for file in target/site/pkg/opsflow.wasm target/site/pkg/opsflow.js target/site/pkg/opsflow.css; do
  if ! [ -f "$file" ] || ! [ -f "$file.br" ]; then
    echo "missing $file(.br): run cargo leptos build --release --precompress first" >&2
    exit 1
  fi
  raw=$(stat -c %s "$file")
  compressed=$(stat -c %s "$file.br")
  printf '%-14s %9d bytes raw %9d bytes brotli\n' "$(basename "$file")" "$raw" "$compressed"
  total=$((total + compressed))
done
printf 'client total: %d bytes brotli (target %d)\n' "$total" "$target"
if [ "$total" -gt "$target" ]; then
  echo "the client is over its 300 KB target" >&2
  [ "${1:-}" != "--enforce" ] || exit 1
fi
