#!/usr/bin/env bash
# Prints one hash of what `sam build` depends on beyond the Rust sources: the
# build script, the template's build settings (each function's CodeUri, Handler,
# Runtime, Architectures, BuildMethod and BuildProperties, and the parameters they
# name: scripts/lib/template-build-settings.py; a role's permissions or an event
# rule don't change what `sam build` produces), samconfig, the workspace manifest
# (its release profile), every function's manifest, and the resolved dependency
# tree of every function (so a lock-file change that touches only tests or the CLI
# doesn't count). Needs the SAM venv's Python (PyYAML), which scripts/test.sh and
# scripts/sam-build.sh install first. scripts/sam-build.sh records it in
# .ci/sam-build.inputs after a successful build; scripts/test.sh runs sam build
# again only when it changes.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
SAM_PY="${HIPAA_AUTOFIX_SAM_VENV:-.venv-sam}/bin/python"
[[ -x "$SAM_PY" ]] || { echo "sam-build-inputs: $SAM_PY missing (scripts/check-template.sh --install-only)" >&2; exit 2; }
{
  printf 'template build settings %s\n' \
    "$("$SAM_PY" scripts/lib/template-build-settings.py template.yaml | sha256sum | cut -d' ' -f1)"
  for f in scripts/sam-build.sh samconfig.toml Cargo.toml functions/*/Cargo.toml; do
    printf '%s %s\n' "$f" "$(sha256sum <"$f" | cut -d' ' -f1)"
  done
  for m in functions/*/Cargo.toml; do
    { cargo tree --locked --offline --manifest-path "$m" -e normal,build --prefix none 2>/dev/null \
      || cargo tree --locked --manifest-path "$m" -e normal,build --prefix none; } |
      sed -E 's# \(/[^)]*\)##' # path dependencies print their absolute path: leave it out
  done
} | sha256sum | cut -d' ' -f1
