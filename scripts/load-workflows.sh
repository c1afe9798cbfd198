#!/usr/bin/env bash
# The workflow engine under load, through HTTP: the release server with the demo agency in a
# fresh data directory (SQLite; or PostgreSQL with DATABASE_URL=postgres://…/db, a new database),
# then server/examples/workflow_load.rs: EVENTS lead events from CONCURRENCY clients (runs
# started/s), every run's two steps done (steps/s), and API_REQUESTS reads of the runs list.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
events=${EVENTS:-20000}
concurrency=${CONCURRENCY:-64}
api_requests=${API_REQUESTS:-2000}
port=${PORT:-3201}
data=$(mktemp -d)
trap 'kill -9 ${server:-0} 2>/dev/null || true; rm -rf "$data"' EXIT
database_url=${DATABASE_URL:-sqlite://$data/opsflow.db}
cargo build --release -p server --bin opsflow --example workflow_load
mkdir -p "$data/site/pkg" && touch "$data/site/pkg/opsflow.wasm"
# The key's allowance and the sub-account's runs-per-minute budget would otherwise be the limit
# measured (the budgets are checked all the same: their cost is part of the figures).
RUST_LOG=warn OPSFLOW_API_CALLS_PER_MINUTE=100000000 OPSFLOW_RUNS_PER_MINUTE=100000000 DATABASE_URL="$database_url" \
  target/release/opsflow serve --demo --addr "127.0.0.1:$port" --data-dir "$data" --site-root "$data/site" &
server=$!
for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$port/readyz" >/dev/null && break; sleep 0.1; done
target/release/examples/workflow_load --url "http://127.0.0.1:$port" --database-url "$database_url" \
  --events "$events" --concurrency "$concurrency" --api-requests "$api_requests"
