#!/usr/bin/env bash
# Create (idempotently) the Python venv that holds the local AWS emulator (moto
# server) used by the integration tests, the demo and the CLI's end-to-end tests.
#
#   scripts/bootstrap-python.sh        # prints the venv path
#
# Fast when the venv is already there: a marker file records the pinned
# requirements, and pip runs only when they change. Needs Python >= 3.9 and
# PyPI access; no Docker. `.venv/` is gitignored.
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${HIPAA_AUTOFIX_VENV:-$REPO/.venv}"

# Exact pins. moto[server] brings flask, werkzeug, boto3 etc. with its own ranges;
# the versions it resolves are recorded in $VENV/.requirements-lock after install.
REQUIREMENTS=(
  "moto[server]==5.2.5"
)
WANT="$(printf '%s\n' "${REQUIREMENTS[@]}")"
MARKER="$VENV/.hipaa-autofix-requirements"

if [[ -x "$VENV/bin/python" && -f "$MARKER" && "$(cat "$MARKER")" == "$WANT" ]]; then
  echo "$VENV"
  exit 0
fi

PY="${PYTHON:-}"
if [[ -z "$PY" ]]; then
  for cand in python3.11 python3.12 python3.13 python3.10 python3; do
    if command -v "$cand" >/dev/null 2>&1; then PY="$cand"; break; fi
  done
fi
if [[ -z "$PY" ]]; then
  echo "bootstrap-python: no python3 found; install it (Debian: apt-get install -y python3 python3-venv)" >&2
  exit 2
fi

if [[ ! -x "$VENV/bin/python" ]]; then
  if ! "$PY" -m venv "$VENV" >/dev/null 2>&1; then
    rm -rf "$VENV"
    echo "bootstrap-python: '$PY -m venv' failed; on Debian install python3-venv (apt-get install -y python3-venv)" >&2
    exit 2
  fi
fi

echo "bootstrap-python: installing ${REQUIREMENTS[*]} into $VENV (about a minute, once)" >&2
"$VENV/bin/python" -m pip install --quiet --disable-pip-version-check "${REQUIREMENTS[@]}" >&2
"$VENV/bin/python" -m pip freeze --disable-pip-version-check >"$VENV/.requirements-lock" 2>/dev/null || true
# Sanity check: the server module imports.
"$VENV/bin/python" -c 'import moto, moto.moto_server.werkzeug_app' >&2
printf '%s\n' "$WANT" >"$MARKER"
echo "$VENV"
