#!/usr/bin/env bash
# Prints one hash of what `sam build` depends on beyond the Rust sources: the
# build script, the template, samconfig, the workspace manifest, every function's manifest, and the
# resolved dependency tree of every function (so a lock-file change that touches
# only tests or the CLI doesn't count). scripts/sam-build.sh records it in
# .ci/sam-build.inputs after a successful build; scripts/test.sh runs sam build
# again only when it changes.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
{
  for f in scripts/sam-build.sh template.yaml samconfig.toml Cargo.toml functions/*/Cargo.toml; do
    printf '%s %s\n' "$f" "$(sha256sum <"$f" | cut -d' ' -f1)"
  done
  for m in functions/*/Cargo.toml; do
    { cargo tree --locked --offline --manifest-path "$m" -e normal,build --prefix none 2>/dev/null \
      || cargo tree --locked --manifest-path "$m" -e normal,build --prefix none; } |
      sed -E 's# \(/[^)]*\)##' # path dependencies print their absolute path: leave it out
  done
} | sha256sum | cut -d' ' -f1
