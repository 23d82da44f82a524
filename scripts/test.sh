#!/usr/bin/env bash
# The whole test suite, from a fresh clone: installs what it needs (pinned), then
# format, lint, unit, integration (against a local moto server) and template checks.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

step() { printf '\n==> %s\n' "$*"; }

# What is not Rust is installed and checked in the background while cargo compiles
# (on a cold 2-core machine the compile takes most of the run; pip and apt mostly
# wait on the network): the moto venv and Chromium before the tests need them, the
# template checks (which install their own venvs) before the end. Each job's output
# is printed whole, under its own heading, when the run joins it.
JOBS_DIR="$(mktemp -d)"
# On an early exit (a lint error, say) the jobs still running are stopped.
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$JOBS_DIR"' EXIT
declare -A JOB_PID JOB_TITLE
background() { # background NAME TITLE COMMAND...
  local name="$1" title="$2"
  shift 2
  JOB_TITLE[$name]="$title"
  ("$@") >"$JOBS_DIR/$name.log" 2>&1 &
  JOB_PID[$name]=$!
}
join_job() { # join_job NAME: print its output; returns its exit status
  local name="$1" rc=0
  wait "${JOB_PID[$name]}" || rc=$?
  step "${JOB_TITLE[$name]}"
  cat "$JOBS_DIR/$name.log"
  if [ "$rc" -ne 0 ]; then
    echo "FAILED (exit $rc): ${JOB_TITLE[$name]}" >&2
  fi
  return "$rc"
}

install_chromium() {
  if command -v chromium >/dev/null 2>&1; then
    chromium --version
  elif [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get install -y -qq --no-install-recommends chromium >/dev/null 2>&1 \
      || { apt-get update -qq && apt-get install -y -qq --no-install-recommends chromium; }
    chromium --version
  else
    echo "chromium is missing: install Debian's package (sudo apt-get install -y chromium)" >&2
    return 2
  fi
}

background python "Python tools for the local AWS world (moto server, pinned)" \
  scripts/bootstrap-python.sh
# The report's browser test (cli/tests/report.rs) renders the HTML in headless
# Chromium: Debian's package, at the distribution's version (no browser download).
background chromium "Chromium for the report's browser test (Debian's package)" install_chromium
background template "SAM template checks (sam validate --lint, cfn-lint, checkov)" \
  scripts/check-template.sh

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

join_job python
join_job chromium

step "tests (unit + integration against moto)"
tests_rc=0
if cargo nextest --version >/dev/null 2>&1; then
  cargo nextest run --workspace --locked --no-fail-fast || tests_rc=$?
else
  cargo test --workspace --locked --no-fail-fast || tests_rc=$?
fi

# The template checks are reported even when a test failed.
join_job template
if [ "$tests_rc" -ne 0 ]; then
  echo "FAILED: tests (exit $tests_rc)" >&2
  exit "$tests_rc"
fi

# `sam build` compiles every function in release mode (minutes, cold): run it only
# when the template or a function's manifest changed since the last recorded build.
if [ "$(scripts/sam-build-inputs.sh)" != "$(cat .ci/sam-build.inputs 2>/dev/null)" ]; then
  step "sam build (the template or a function manifest changed since the last recorded build)"
  # The release build is not linted again (the build above did it).
  env -u RUSTC_WORKSPACE_WRAPPER -u CLIPPY_ARGS scripts/sam-build.sh
else
  step "sam build: inputs unchanged since the last recorded build (.ci/sam-build.inputs); skipped"
fi
