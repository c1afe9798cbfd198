#!/usr/bin/env bash
# Brotli-compressed size of the whole release client (wasm + JS + CSS) against its budget.
# Measures the .br files `cargo leptos build --release --precompress` writes, which are the
# bytes a browser downloads.
set -euo pipefail
cd "$(dirname "$0")/.."
budget=${OPSFLOW_BUNDLE_BUDGET:-307200}
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
printf 'client total: %d bytes brotli (budget %d)\n' "$total" "$budget"
if [ "$total" -gt "$budget" ]; then
  echo "the client is over its size budget" >&2
  exit 1
fi
