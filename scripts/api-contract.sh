#!/usr/bin/env bash
# The REST API against its own OpenAPI document, with Schemathesis (PyPI): every operation, with
# data that fits the document (it must be accepted and answered as documented) and data that
# does not (it must be refused with a 4xx), every check on. Runs the built server with the demo
# agency in a fresh data directory, on SQLite and on PostgreSQL (a new database), with an API key
# made by `opsflow api-key create`. Exits non-zero on any failure.
#   OPSFLOW_BIN      the server (default target/release/opsflow; the site must be built)
#   CONTRACT_SEED    Schemathesis's seed (default fixed, so CI runs the same cases)
#   CONTRACT_DATABASES  sqlite, postgres or both (default)
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
bin=${OPSFLOW_BIN:-target/release/opsflow}
seed=${CONTRACT_SEED:-20261202}
databases=${CONTRACT_DATABASES:-"sqlite postgres"}
port=${PORT:-3202}
st="${OPSFLOW_TOOLS}/py/bin/st"
server=0
trap 'kill -9 $server 2>/dev/null || true' EXIT

contract() {
  local name=$1 data database_url status=0
  data=$(mktemp -d)
  case $name in
    sqlite) database_url="sqlite://$data/opsflow.db" ;;
    postgres)
      local db="opsflow_contract_$$"
      PGOPTIONS="-c client_min_messages=warning" psql -q -h 127.0.0.1 -U postgres -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db"
      database_url="postgres://postgres@127.0.0.1:5432/$db" ;;
  esac
  # The key's allowance is not what this measures (the integration tests check the 429).
  RUST_LOG=warn OPSFLOW_API_CALLS_PER_MINUTE=100000000 DATABASE_URL="$database_url" \
    "$bin" serve --demo --addr "127.0.0.1:$port" --data-dir "$data" &
  server=$!
  for _ in $(seq 1 150); do curl -sf "http://127.0.0.1:$port/readyz" >/dev/null && break; sleep 0.2; done
  local key
  key=$(DATABASE_URL="$database_url" "$bin" api-key create --data-dir "$data" \
    --admin admin@opsflow.test --sub-account "Acme Plumbing" --name schemathesis 2>/dev/null)
  # A workflow with a run, so the run operations answer with real runs (and their schema is
  # checked) rather than only 404.
  local api="http://127.0.0.1:$port/api/v1" workflow run
  workflow=$(curl -sf -H "Authorization: Bearer $key" -H 'content-type: application/json' "$api/workflows" -d '{
      "name": "Call new leads", "triggerModule": "leads", "triggerType": "lead_created", "isActive": true,
      "actions": [{"actionType": "create_task", "config": {"title": "Call {{trigger.firstName}}"}, "sortOrder": 1}]}' \
    | python3 -c 'import json, sys; print(json.load(sys.stdin)["id"])')
  local sub_account query="SELECT id FROM sub_accounts WHERE name = 'Acme Plumbing'"
  case $name in
    sqlite) sub_account=$(python3 -c 'import sqlite3, sys; print(sqlite3.connect(sys.argv[1]).execute(sys.argv[2]).fetchone()[0])' \
      "$data/opsflow.db" "$query") ;;
    postgres) sub_account=$(psql -qtA -h 127.0.0.1 -U postgres -d "opsflow_contract_$$" -c "$query") ;;
  esac
  curl -sf -H "Authorization: Bearer $key" -H 'content-type: application/json' "$api/events" -d "{
      \"id\": \"contract-1\", \"type\": \"lead_created\", \"sub_account_id\": \"$sub_account\", \"record_id\": \"lead-1\",
      \"record\": {\"firstName\": \"Ana\", \"source\": \"website\"}}" >/dev/null
  run=$(curl -sf -H "Authorization: Bearer $key" "$api/workflows/$workflow/runs" \
    | python3 -c 'import json, sys; print(json.load(sys.stdin)["data"][0]["id"])')
  printf '\n--- %s ---\n' "$name"
  OPSFLOW_API_KEY=$key OPSFLOW_WORKFLOW_ID=$workflow OPSFLOW_RUN_ID=$run "$st" --config-file scripts/api-contract.toml run \
    "http://127.0.0.1:$port/api/v1/openapi.json" --url "http://127.0.0.1:$port" --seed "$seed" || status=$?
  kill "$server" 2>/dev/null || true
  wait "$server" 2>/dev/null || true
  rm -rf "$data"
  if [ "$name" = postgres ]; then PGOPTIONS="-c client_min_messages=warning" psql -q -h 127.0.0.1 -U postgres -c "DROP DATABASE IF EXISTS opsflow_contract_$$"; fi
  return $status
}

failed=0
for database in $databases; do
  contract "$database" || failed=1
done
exit $failed
