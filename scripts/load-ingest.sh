#!/usr/bin/env bash
# Event ingestion under load, on SQLite, through HTTP, with a crash in the middle:
#   1. start the release server with the demo agency in a fresh data directory;
#   2. send EVENTS events from CONCURRENCY clients and report events/s and latency percentiles
#      (and, with REPORT_EVERY=N, the rate of each run of N events as the store grows);
#   3. kill the server with SIGKILL (no shutdown, no flush), start it again;
#   4. re-send every event: each must be answered "duplicate", i.e. every acknowledged event
#      had reached the disk before it was acknowledged.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
events=${EVENTS:-20000}
concurrency=${CONCURRENCY:-64}
report_every=${REPORT_EVERY:-0}
port=${PORT:-3200}
data=$(mktemp -d)
trap 'kill -9 ${server:-0} 2>/dev/null || true; rm -rf "$data"' EXIT
cargo build --release -p server --example ingest_load
start() {
  RUST_LOG=warn target/release/opsflow serve --demo --addr "127.0.0.1:$port" --data-dir "$data" &
  server=$!
  for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$port/readyz" >/dev/null && return; sleep 0.1; done
  echo "the server did not start" >&2
  exit 1
}
start
target/release/examples/ingest_load --url "http://127.0.0.1:$port" --events "$events" --concurrency "$concurrency" \
  --report-every "$report_every"
kill -9 "$server"
wait "$server" 2>/dev/null || true
start
target/release/examples/ingest_load --url "http://127.0.0.1:$port" --events "$events" --concurrency "$concurrency" --verify
