#!/usr/bin/env bash
# The REST API against its own OpenAPI document, with Schemathesis (PyPI): every operation, with
# data that fits the document (it must be answered as documented) and data that does not (it
# must be refused with a 4xx), every check on. Runs the built server with the demo agency in a
# fresh data directory, on SQLite and on PostgreSQL (a new database), with an API key made by
# `opsflow api-key create`, and a workflow with one run. Exits non-zero on any failure.
#   OPSFLOW_BIN             the server (default target/release/opsflow; the site must be built)
#   CONTRACT_SEED           Schemathesis's seed (default fixed, so CI runs the same cases)
#   CONTRACT_DATABASES      sqlite, postgres or both (default)
#   CONTRACT_PORT           where the server listens (default 3202)
#   OPSFLOW_TEST_POSTGRES   the PostgreSQL admin URL, as for the integration tests
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
bin=${OPSFLOW_BIN:-target/release/opsflow}
seed=${CONTRACT_SEED:-20261202}
databases=${CONTRACT_DATABASES:-sqlite postgres}
port=${CONTRACT_PORT:-3202}
admin_url=${OPSFLOW_TEST_POSTGRES:-postgres://postgres@127.0.0.1:5432/postgres}
st="${OPSFLOW_TOOLS}/py/bin/st"
api="http://127.0.0.1:$port/api/v1"

server='' data='' database=''
psql_admin() { PGOPTIONS="-c client_min_messages=warning" psql -qtA "$admin_url" "$@"; }
cleanup() {
  if [ -n "$server" ]; then kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; fi
  if [ -n "$data" ]; then rm -rf "$data"; fi
  if [ -n "$database" ]; then psql_admin -c "DROP DATABASE IF EXISTS $database" || true; fi
  server='' data='' database=''
}
trap cleanup EXIT
fail() { echo "api-contract: $*" >&2; exit 1; }

# One database: the server, a key, a workflow with a run, then Schemathesis. A subshell of its
# own, which cleans up after itself.
contract() (
  local kind=$1 database_url
  trap cleanup EXIT
  data=$(mktemp -d)
  case $kind in
    sqlite) database_url="sqlite://$data/opsflow.db" ;;
    postgres)
      database="opsflow_contract_$$"
      psql_admin -c "DROP DATABASE IF EXISTS $database" -c "CREATE DATABASE $database"
      database_url="${admin_url%/*}/$database" ;;
    *) fail "unknown database “$kind” (sqlite or postgres)" ;;
  esac
  # The key's allowance is not what this checks (the integration tests check the 429).
  RUST_LOG=warn OPSFLOW_API_CALLS_PER_MINUTE=100000000 DATABASE_URL="$database_url" \
    "$bin" serve --demo --addr "127.0.0.1:$port" --data-dir "$data" &
  server=$!
  for _ in $(seq 1 150); do
    kill -0 "$server" 2>/dev/null || fail "the server stopped at start (is port $port taken?)"
    curl -sf "http://127.0.0.1:$port/readyz" >/dev/null && break
    sleep 0.2
  done
  curl -sf "http://127.0.0.1:$port/readyz" >/dev/null || fail "the server did not become ready"

  local key workflow run sub_account query="SELECT id FROM sub_accounts WHERE name = 'Acme Plumbing'"
  key=$(DATABASE_URL="$database_url" "$bin" api-key create --data-dir "$data" \
    --admin admin@opsflow.test --sub-account "Acme Plumbing" --name schemathesis)
  [ -n "$key" ] || fail "no API key was made"
  case $kind in
    sqlite) sub_account=$(python3 -c 'import sqlite3, sys; print(sqlite3.connect(sys.argv[1]).execute(sys.argv[2]).fetchone()[0])' \
      "$data/opsflow.db" "$query") ;;
    postgres) sub_account=$(PGOPTIONS="-c client_min_messages=warning" psql -qtA "$database_url" -c "$query") ;;
  esac
  # A workflow with a run, so the run operations answer with real runs (their schema checked)
  # rather than only 404.
  local auth="Authorization: Bearer $key" json='content-type: application/json'
  workflow=$(curl -sf -H "$auth" -H "$json" "$api/workflows" -d '{
      "name": "Call new leads", "triggerModule": "leads", "triggerType": "lead_created", "isActive": true,
      "actions": [{"actionType": "create_task", "config": {"title": "Call {{trigger.firstName}}"}, "sortOrder": 1}]}' \
    | python3 -c 'import json, sys; print(json.load(sys.stdin)["id"])') || fail "the workflow was not made"
  curl -sf -H "$auth" -H "$json" "$api/events" -o /dev/null -d "{
      \"id\": \"contract-1\", \"type\": \"lead_created\", \"sub_account_id\": \"$sub_account\", \"record_id\": \"lead-1\",
      \"record\": {\"firstName\": \"Ana\", \"source\": \"website\"}}" || fail "the event was not taken"
  run=$(curl -sf -H "$auth" "$api/workflows/$workflow/runs" \
    | python3 -c 'import json, sys; print(json.load(sys.stdin)["data"][0]["id"])') || fail "the event started no run"

  printf '\n--- %s ---\n' "$kind"
  OPSFLOW_API_KEY=$key OPSFLOW_WORKFLOW_ID=$workflow OPSFLOW_RUN_ID=$run "$st" --config-file scripts/api-contract.toml \
    run "$api/openapi.json" --url "http://127.0.0.1:$port" --seed "$seed"
)

failed=0
for kind in $databases; do
  # Started apart and waited for: called in `a || b`, bash would ignore `set -e` inside it.
  contract "$kind" &
  wait $! || failed=1
done
exit $failed
