#!/usr/bin/env bash
# Runs every check and test. Builds the dependency graph once, in release mode, and reuses it:
# the Rust tests, the site the browser tests load and the bundle-size check share one build.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --test
source scripts/env.sh
export CARGO_TERM_COLOR=never
step() { printf '\n==> %s\n' "$*"; }

step "formatting"
cargo fmt --all -- --check

step "release build: server and wasm client"
# `--tests` builds the server's test targets with its binary, so dependency features resolve as
# they will for `cargo test` below (the dev-dependencies add some): the test step then reuses
# every compiled dependency instead of rebuilding hyper, axum and Leptos a second time.
cargo leptos build --release --precompress --split --bin-cargo-args=--tests

# One invocation for both packages, so features unify as in the server build above and its
# compiled dependencies are reused.
step "model tests (native) and server integration tests on SQLite and PostgreSQL"
cargo test --release -p app -p server --features app/ssr

step "the REST API against its OpenAPI document (Schemathesis, on SQLite and PostgreSQL)"
scripts/api-contract.sh

step "model tests, compiled to wasm32 (wasm-bindgen-test in Node)"
CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner cargo test -p app --lib --target wasm32-unknown-unknown

step "the patched renderer is the published crate plus its documented patches"
scripts/check-vendor.sh

step "the patched renderer's own tests (vendor/tachys)"
cargo test --manifest-path vendor/tachys/Cargo.toml --lib --target-dir target/vendor-tests

step "lints"
cargo clippy --release -p app -p server --features app/ssr --all-targets -- -D warnings
cargo clippy -p app -p frontend --features app/hydrate --target wasm32-unknown-unknown -- -D warnings

step "client bundle size"
scripts/bundle-size.sh --enforce

step "end-to-end tests in Chromium (screenshots in end2end/artifacts)"
(cd end2end && rm -rf artifacts && mkdir artifacts && OPSFLOW_BIN=target/release/opsflow npx playwright test)
