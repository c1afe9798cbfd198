#!/usr/bin/env bash
# Runs the connected end-to-end spec (OpsFlow inside HighLevel's frame) as whole runs, again and
# again, on the release build, with busy loops beside it — the load that brought out a framed page
# that never hydrated (issue 27). Stops at the first failed run and keeps its output and artifacts.
#   scripts/loop-connected.sh [RUNS] [BUSY_LOOPS]      defaults: 30 runs, 2 busy loops
# Each run starts fresh servers and data directories (Playwright's webServer), so no run inherits
# an installed state; `--repeat-each` would, since the spec's tests are serial.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
runs=${1:-30}
busy=${2:-2}
[ -x target/release/opsflow ] || { echo "build first: cargo leptos build --release --precompress --split" >&2; exit 2; }

out=$(mktemp -d -t opsflow-loop-XXXX)
loops=()
stop_loops() { [ ${#loops[@]} -eq 0 ] || kill "${loops[@]}" 2>/dev/null || true; }
trap stop_loops EXIT
for _ in $(seq 1 "$busy"); do
  yes >/dev/null &
  loops+=($!)
done

started=$(date +%s)
for run in $(seq 1 "$runs"); do
  log="$out/run-$run.log"
  if (cd end2end && mkdir -p artifacts && OPSFLOW_BIN=target/release/opsflow \
      npx playwright test connected.spec.ts --project hydrated --reporter=line) >"$log" 2>&1; then
    printf 'run %d of %d passed (%ds so far)\n' "$run" "$runs" $(($(date +%s) - started))
  else
    cp -r end2end/test-results "$out/test-results-$run" 2>/dev/null || true
    printf 'run %d of %d FAILED: %s (and %s)\n' "$run" "$runs" "$log" "$out/test-results-$run" >&2
    tail -n 40 "$log" >&2
    exit 1
  fi
done
printf '%d whole runs in a row passed with %d busy loops beside them, in %ds\n' "$runs" "$busy" $(($(date +%s) - started))
rm -rf "$out"
