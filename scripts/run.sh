#!/usr/bin/env bash
# Installs what is missing, builds OpsFlow in release mode and runs it with the demo agency
# on http://127.0.0.1:3000 (data in ./data). Sign in as admin@opsflow.test / opsflow-admin.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
source scripts/env.sh
cargo leptos build --release --precompress --split
exec target/release/opsflow serve --demo "$@"
