#!/usr/bin/env bash
# Installs what OpsFlow's build needs and is missing; skips whatever is already there.
#   scripts/setup.sh          build tools: wasm32 target, cargo-leptos, wasm-bindgen CLI, wasm-opt
#   scripts/setup.sh --test   also what the tests need: Chromium, the end-to-end node packages, a Python
#                             venv with aiosmtpd and Schemathesis, PostgreSQL running
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh

say() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }

if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  say "adding the wasm32-unknown-unknown target"
  rustup target add wasm32-unknown-unknown
fi

if ! cargo leptos --version 2>/dev/null | grep -q "0.3.10"; then
  say "installing cargo-leptos 0.3.10 (a long build, once)"
  cargo install cargo-leptos --version 0.3.10 --locked --features no_downloads
fi

# The wasm-bindgen CLI must match the library version in Cargo.lock exactly.
bindgen_version=$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' Cargo.lock)
if ! wasm-bindgen --version 2>/dev/null | grep -q " ${bindgen_version}$"; then
  say "installing wasm-bindgen-cli ${bindgen_version} (a long build, once)"
  cargo install wasm-bindgen-cli --version "${bindgen_version}"
fi

if ! [ -x "${OPSFLOW_TOOLS}/node_modules/.bin/wasm-opt" ]; then
  say "installing wasm-opt (npm binaryen)"
  npm install --prefix "${OPSFLOW_TOOLS}" --no-audit --no-fund binaryen@132
fi

if [ "${1:-}" = "--test" ]; then
  if ! command -v chromium >/dev/null; then
    say "installing Chromium from Debian's packages"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium
  fi
  if ! [ -d end2end/node_modules/@playwright/test ]; then
    say "installing the end-to-end test packages"
    (cd end2end && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund)
  fi
  # Python tools the tests run as real servers and clients: a real SMTP server (aiosmtpd) the
  # email steps deliver to, and Schemathesis, which checks the REST API against its OpenAPI document.
  if ! [ -x "${OPSFLOW_TOOLS}/py/bin/python" ] || ! "${OPSFLOW_TOOLS}/py/bin/python" -c "import aiosmtpd" 2>/dev/null \
    || ! "${OPSFLOW_TOOLS}/py/bin/st" --version 2>/dev/null | grep -q "4.32.5"; then
    say "installing the test servers and clients (PyPI: aiosmtpd, schemathesis)"
    python3 -m venv "${OPSFLOW_TOOLS}/py"
    "${OPSFLOW_TOOLS}/py/bin/pip" install -q aiosmtpd==1.4.6 schemathesis==4.32.5
  fi
  if ! pg_isready -q -h 127.0.0.1 -p 5432; then
    say "starting PostgreSQL"
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql)" main start
    for _ in $(seq 1 30); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 1; done
  fi
fi
