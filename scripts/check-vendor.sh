#!/usr/bin/env bash
# The vendored renderer is the published crate plus the patches kept beside it, and nothing
# else (vendor/README.md): fetch the version Cargo.lock uses, apply the patches, compare.
set -euo pipefail
cd "$(dirname "$0")/.."
locked=$(awk '/^name = "tachys"$/ { getline; gsub(/version = |"/, ""); print; exit }' Cargo.lock)
vendored=$(awk -F'"' '/^version = / { print $2; exit }' vendor/tachys/Cargo.toml)
if [ "$locked" != "$vendored" ]; then
  echo "Cargo.lock resolves tachys $locked but vendor/tachys is $vendored: re-create the copy (vendor/README.md)" >&2
  exit 1
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cached=$(ls "${CARGO_HOME:-$HOME/.cargo}"/registry/cache/*/"tachys-$locked.crate" 2>/dev/null | head -n 1 || true)
if [ -n "$cached" ]; then
  cp "$cached" "$work/tachys.crate"
else
  curl -sSfL "https://static.crates.io/crates/tachys/tachys-$locked.crate" -o "$work/tachys.crate"
fi
tar -xzf "$work/tachys.crate" -C "$work"
published="$work/tachys-$locked"
rm -f "$published"/{.cargo-ok,.cargo_vcs_info.json,Cargo.lock,Cargo.toml.orig,Makefile.toml}
for fix in tachys-hydrate-async tachys-keyed-single-move; do
  patch -s -d "$published" -p1 < "vendor/$fix.patch"
done
# Its Cargo.lock is ours: it pins what the copy's own tests build with (scripts/test.sh).
if ! diff -r -x Cargo.lock "$published" vendor/tachys > "$work/drift.diff"; then
  echo "vendor/tachys differs from tachys $locked plus its documented patches:" >&2
  head -n 40 "$work/drift.diff" >&2
  exit 1
fi
echo "vendor/tachys is tachys $locked plus its documented patches"
