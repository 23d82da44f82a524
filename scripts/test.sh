#!/usr/bin/env bash
# The whole test suite, from a fresh clone: installs what it needs (pinned), then
# format, lint, unit, integration (against a local moto server) and template checks.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

step() { printf '\n==> %s\n' "$*"; }

step "Python tools for the local AWS world (moto server, pinned)"
scripts/bootstrap-python.sh >/dev/null

# The report's browser test (cli/tests/report.rs) renders the HTML in headless
# Chromium: Debian's package, at the distribution's version (no browser download).
step "Chromium for the report's browser test (Debian's package)"
if command -v chromium >/dev/null 2>&1; then
  chromium --version
elif [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y -qq --no-install-recommends chromium >/dev/null 2>&1 \
    || { apt-get update -qq && apt-get install -y -qq --no-install-recommends chromium; }
  chromium --version
else
  echo "chromium is missing: install Debian's package (sudo apt-get install -y chromium)" >&2
  exit 2
fi

step "cargo fmt --check"
cargo fmt --all -- --check

step "no catch-all arm over actions, facets, snapshots, kinds or outcomes"
scripts/check-exhaustive.py

# Lint and build in one pass: clippy-driver runs as the workspace wrapper of a real
# build (this is what `cargo clippy` does on top of `cargo check`), so the AWS SDK
# crates are compiled once, not once checked for clippy and once built for the tests.
# On a cold 2-core machine that saves the whole metadata-only pass over the
# dependencies. Lints fail the build exactly as `cargo clippy -- -D warnings` would.
CLIPPY_DRIVER="$(rustup which clippy-driver 2>/dev/null || command -v clippy-driver || true)"
if [ -z "$CLIPPY_DRIVER" ]; then
  echo "clippy-driver not found: install the clippy component (rustup component add clippy)" >&2
  exit 2
fi
export RUSTC_WORKSPACE_WRAPPER="$CLIPPY_DRIVER"
export CLIPPY_ARGS="-D__CLIPPY_HACKERY__warnings__CLIPPY_HACKERY__"

step "clippy -D warnings while building every target (lib, bins, tests, benches)"
cargo build --workspace --all-targets --locked

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
  # The release build is not linted again (the build above did it).
  env -u RUSTC_WORKSPACE_WRAPPER -u CLIPPY_ARGS scripts/sam-build.sh
else
  step "sam build: inputs unchanged since the last recorded build (.ci/sam-build.inputs); skipped"
fi
