# The local AWS world, shared by scripts/demo.sh and scripts/local-aws.sh (sourced,
# not run): a moto server (tests/moto/launcher.py), a local Slack webhook
# (scripts/demo/slack_receiver.py) and the seeded violations (scripts/demo/seed.py).
#
#   source scripts/lib/local-world.sh
#   world_build_autofix            # sets AUTOFIX (honours AUTOFIX if already set)
#   world_start DIR [MOTO_PORT]    # sets MOTO_PORT, SLACK_PORT, exports the AWS variables
#   world_seed                     # the stack's tables and Slack secret, and violations
#   world_env                      # prints the environment to export, one `export` a line
#   world_stop                     # stops both servers (world_start traps EXIT to call it)

# ROOT must be set by the caller (the repository root).

world_build_autofix() {
  if [[ -n "${AUTOFIX:-}" ]]; then
    [[ -x "$AUTOFIX" ]] || { echo "AUTOFIX=$AUTOFIX is not an executable" >&2; return 2; }
    return 0
  fi
  # The one build a newcomer makes (the same debug build the tests use). cargo shows
  # its own progress; the first build compiles the AWS SDK and takes minutes.
  if [[ ! -x "$ROOT/target/debug/autofix" ]]; then
    echo "Building the autofix CLI. The first build compiles the AWS SDK: about 3 to 10 minutes"
    echo "on two cores (cargo's progress follows); later builds take seconds."
  fi
  (cd "$ROOT" && cargo build --bin autofix)
  AUTOFIX="$ROOT/target/debug/autofix"
}

world_wait_port() { # file -> port
  local _
  for _ in $(seq 1 200); do
    if grep -q '^PORT=' "$1" 2>/dev/null; then sed -n 's/^PORT=//p' "$1" | head -1; return 0; fi
    sleep 0.1
  done
  echo "timed out waiting for $1" >&2; cat "$1" >&2; return 1
}

world_stop() {
  local pid
  for pid in "${SLACK_PID:-}" "${MOTO_PID:-}"; do
    if [[ -n "$pid" ]]; then
      kill "$pid" 2>/dev/null || true
      wait "$pid" 2>/dev/null || true
    fi
  done
  SLACK_PID="" MOTO_PID=""
  return 0
}

world_start() { # dir [moto port]
  WORLD_DIR="$1"
  mkdir -p "$WORLD_DIR"
  local venv
  venv="$("$ROOT/scripts/bootstrap-python.sh")"
  WORLD_PY="$venv/bin/python"
  : >"$WORLD_DIR/slack.jsonl"
  trap world_stop EXIT
  "$WORLD_PY" "$ROOT/tests/moto/launcher.py" --port "${2:-0}" >"$WORLD_DIR/moto.out" 2>"$WORLD_DIR/moto.err" &
  MOTO_PID=$!
  "$WORLD_PY" "$ROOT/scripts/demo/slack_receiver.py" "$WORLD_DIR/slack.jsonl" >"$WORLD_DIR/slack.out" 2>&1 &
  SLACK_PID=$!
  MOTO_PORT="$(world_wait_port "$WORLD_DIR/moto.out")"
  SLACK_PORT="$(world_wait_port "$WORLD_DIR/slack.out")"
  export AWS_ENDPOINT_URL="http://127.0.0.1:$MOTO_PORT" AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing \
         AWS_REGION=us-east-1 AWS_DEFAULT_REGION=us-east-1 AWS_EC2_METADATA_DISABLED=true
  unset AWS_PROFILE AWS_SESSION_TOKEN
}

world_seed() {
  "$WORLD_PY" "$ROOT/scripts/demo/seed.py" "http://127.0.0.1:$SLACK_PORT/services/T000/B000/XXXX"
}

world_env() {
  cat <<ENV
export AWS_ENDPOINT_URL=$AWS_ENDPOINT_URL
export AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing
export AWS_REGION=us-east-1 AWS_DEFAULT_REGION=us-east-1 AWS_EC2_METADATA_DISABLED=true
unset AWS_PROFILE AWS_SESSION_TOKEN
export PATH="$(dirname "$AUTOFIX"):\$PATH"
ENV
}
