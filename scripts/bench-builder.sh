#!/usr/bin/env bash
# The builder with 200 fields in Chromium: input-to-frame times of typing, answering, moving and
# dropping (end2end/bench/builder-200.mjs). Uses the release build the test command makes.
set -euo pipefail
cd "$(dirname "$0")/.."
port=3200
data=$(mktemp -d)
target/release/opsflow serve --demo --addr "127.0.0.1:${port}" --data-dir "$data" >/dev/null 2>&1 &
server=$!
trap 'kill $server; rm -rf "$data"' EXIT
for _ in $(seq 1 50); do curl -sf "http://127.0.0.1:${port}/readyz" >/dev/null && break; sleep 0.2; done
(cd end2end && node bench/builder-200.mjs "http://127.0.0.1:${port}")
