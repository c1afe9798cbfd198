#!/usr/bin/env bash
# Each vendored crate is the published crate plus the patches kept beside it, and nothing else
# (vendor/README.md): fetch the version Cargo.lock uses, apply the patches, compare.
set -euo pipefail
cd "$(dirname "$0")/.."

# crate: its patches, in the order they apply
declare -A patches=(
  [tachys]="tachys-hydrate-async tachys-keyed-single-move"
  [leptos_meta]="leptos_meta-escape-title"
)

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for crate in "${!patches[@]}"; do
  locked=$(awk -v name="name = \"$crate\"" '$0 == name { getline; gsub(/version = |"/, ""); print; exit }' Cargo.lock)
  vendored=$(awk -F'"' '/^version = / { print $2; exit }' "vendor/$crate/Cargo.toml")
  if [ "$locked" != "$vendored" ]; then
    echo "Cargo.lock resolves $crate $locked but vendor/$crate is $vendored: re-create the copy (vendor/README.md)" >&2
    exit 1
  fi
  cached=$(ls "${CARGO_HOME:-$HOME/.cargo}"/registry/cache/*/"$crate-$locked.crate" 2>/dev/null | head -n 1 || true)
  if [ -n "$cached" ]; then
    cp "$cached" "$work/$crate.crate"
  else
    curl -sSfL "https://static.crates.io/crates/$crate/$crate-$locked.crate" -o "$work/$crate.crate"
  fi
  tar -xzf "$work/$crate.crate" -C "$work"
  published="$work/$crate-$locked"
  rm -f "$published"/{.cargo-ok,.cargo_vcs_info.json,Cargo.lock,Cargo.toml.orig,Makefile.toml}
  for fix in ${patches[$crate]}; do
    patch -s -d "$published" -p1 < "vendor/$fix.patch"
  done
  # A copy's Cargo.lock is ours: it pins what the copy's own tests build with (scripts/test.sh).
  if ! diff -r -x Cargo.lock "$published" "vendor/$crate" > "$work/drift.diff"; then
    echo "vendor/$crate differs from $crate $locked plus its documented patches:" >&2
    head -n 40 "$work/drift.diff" >&2
    exit 1
  fi
  echo "vendor/$crate is $crate $locked plus its documented patches"
done
