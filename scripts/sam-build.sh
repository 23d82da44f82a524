#!/usr/bin/env bash
# Build every function in template.yaml with `sam build` (BuildMethod
# rust-cargolambda), ready for `sam deploy`.
#
#   scripts/sam-build.sh [extra sam build arguments...]
#
# Installs, idempotently and pinned:
#   - aws-sam-cli (+ cfn-lint) into .venv-sam (via scripts/check-template.sh --install-only)
#   - cargo-lambda and ziglang (its cross linker) from PyPI into .venv-cargo-lambda
#   - the aarch64-unknown-linux-gnu Rust std with rustup, for the default arm64
# If the aarch64 std cannot be fetched (offline, no rustup), it builds for
# x86_64 instead (--parameter-overrides Architecture=x86_64) and says so: deploy
# with the same override (`sam deploy --parameter-overrides Architecture=x86_64`).
# Set ARCHITECTURE=x86_64 to choose x86_64 outright.
#
# How the functions are built (README "Deploying" has the figures): each function's
# CodeUri is its own package directory (functions/<name>/), so SAM's builder runs
# `cargo lambda build --release --bin <name>` inside it, cargo selects that package
# alone, and its features resolve per function: an IAM function links no S3, S3
# Control or Config SDK (tests/tests/features.rs). Every build shares the workspace's
# one target/ (the builder finds it through `cargo metadata`), so a dependency
# compiles once per set of its features, not once per function: functions with the
# same SDK features as one built before (iam-mfa, iam-password-policy after
# iam-access-keys) rebuild only their own crates. The release profile (Cargo.toml)
# is fat LTO with 16 codegen units: the smallest binaries measured, at about a
# seventh of the one-unit link time. Output: .aws-sam/build.
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SAM_VENV="${HIPAA_AUTOFIX_SAM_VENV:-$REPO/.venv-sam}"
CL_VENV="${HIPAA_AUTOFIX_CARGO_LAMBDA_VENV:-$REPO/.venv-cargo-lambda}"
CL_REQUIREMENTS=(
  "cargo-lambda==1.9.2"
  "ziglang==0.17.1"
)

log() { printf 'sam-build: %s\n' "$*" >&2; }

"$REPO/scripts/check-template.sh" --install-only

# cargo-lambda + zig
want="$(printf '%s\n' "${CL_REQUIREMENTS[@]}")"
marker="$CL_VENV/.hipaa-autofix-requirements"
if ! [[ -x "$CL_VENV/bin/cargo-lambda" && -f "$marker" && "$(cat "$marker")" == "$want" ]]; then
  py="${PYTHON:-}"
  if [[ -z "$py" ]]; then
    for cand in python3.11 python3.12 python3.13 python3.10 python3.9 python3; do
      if command -v "$cand" >/dev/null 2>&1; then py="$cand"; break; fi
    done
  fi
  [[ -n "$py" ]] || { log "no python3 found"; exit 2; }
  log "installing ${CL_REQUIREMENTS[*]} into ${CL_VENV#"$REPO"/}"
  [[ -x "$CL_VENV/bin/python" ]] || "$py" -m venv "$CL_VENV"
  printf '*\n' >"$CL_VENV/.gitignore"
  "$CL_VENV/bin/python" -m pip install --quiet --disable-pip-version-check "${CL_REQUIREMENTS[@]}" >&2
  printf '%s\n' "$want" >"$marker"
fi

command -v cargo >/dev/null 2>&1 || { log "cargo not found; install Rust with rustup (https://rustup.rs)"; exit 2; }

arch="${ARCHITECTURE:-arm64}"
if [[ "$arch" == arm64 ]]; then
  if command -v rustup >/dev/null 2>&1 && rustup target list --installed 2>/dev/null | grep -qx aarch64-unknown-linux-gnu; then
    :
  elif command -v rustup >/dev/null 2>&1 && rustup target add aarch64-unknown-linux-gnu >&2; then
    :
  else
    log "could not install the aarch64-unknown-linux-gnu Rust std; building for x86_64 instead."
    log "deploy with: sam deploy --parameter-overrides Architecture=x86_64 (plus your other overrides)"
    arch=x86_64
  fi
fi

extra=()
if [[ "$arch" != arm64 ]]; then
  extra=(--parameter-overrides "Architecture=$arch")
fi

cd "$REPO"
export PATH="$CL_VENV/bin:$PATH" # cargo-lambda, and python -m ziglang for the linker
export SAM_CLI_TELEMETRY=0
export AWS_DEFAULT_REGION="${AWS_DEFAULT_REGION:-us-east-1}"
log "sam build (Architecture=$arch)"
"$SAM_VENV/bin/sam" build "${extra[@]}" "$@"
log "built: $(find .aws-sam/build -name bootstrap -printf '%p ' 2>/dev/null)"
# Record what was built, so the test command rebuilds only when it changes.
"$REPO/scripts/sam-build-inputs.sh" >"$REPO/.ci/sam-build.inputs"
log "recorded the build's inputs in .ci/sam-build.inputs (commit it with the change)"
