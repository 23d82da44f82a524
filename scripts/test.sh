#!/usr/bin/env bash
# The whole test suite, from a fresh clone: installs what it needs (pinned), then
# format, lint, unit, integration (against a local moto server) and template checks.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

step() { printf '\n==> %s\n' "$*"; }

step "Python tools for the local AWS world (moto server, pinned)"
scripts/bootstrap-python.sh >/dev/null

step "cargo fmt --check"
cargo fmt --all -- --check

step "no catch-all arm over actions, facets, snapshots, kinds or outcomes"
scripts/check-exhaustive.py

step "cargo clippy --workspace --all-targets -- -D warnings"
cargo clippy --workspace --all-targets --locked -- -D warnings

step "tests (unit + integration against moto)"
if cargo nextest --version >/dev/null 2>&1; then
  cargo nextest run --workspace --locked --no-fail-fast
else
  cargo test --workspace --locked --no-fail-fast
fi

step "SAM template checks (sam validate --lint, cfn-lint, checkov)"
scripts/check-template.sh

# `sam build` compiles every function in release mode (minutes, cold): run it only
# when the template or a function's manifest changed since the last recorded build.
if [ "$(scripts/sam-build-inputs.sh)" != "$(cat .ci/sam-build.inputs 2>/dev/null)" ]; then
  step "sam build (the template or a function manifest changed since the last recorded build)"
  scripts/sam-build.sh
else
  step "sam build: inputs unchanged since the last recorded build (.ci/sam-build.inputs); skipped"
fi
