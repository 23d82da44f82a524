#!/usr/bin/env bash
# Start the local AWS world and keep it running until Ctrl-C: a moto server standing
# in for AWS, a local Slack webhook, the stack's tables and Slack secret, and the
# demo's seeded violations. Prints the environment to export (also written to
# target/local-aws.env), so the README's `autofix` examples run against it from
# another terminal:
#
#   scripts/local-aws.sh [--port N] [--no-seed]     # terminal 1
#   source target/local-aws.env                     # terminal 2, then: autofix scan
#
# Everything lives in memory: Ctrl-C (or SIGTERM) stops both servers and the world
# is gone. Needs no AWS account and no Docker. AUTOFIX=/path/to/autofix skips the
# build; LOCAL_AWS_ENV_FILE and LOCAL_AWS_DIR move the env file and the servers' logs.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
# shellcheck source=lib/local-world.sh
source "$ROOT/scripts/lib/local-world.sh"

PORT=0 SEED=1
ENV_FILE="${LOCAL_AWS_ENV_FILE:-$ROOT/target/local-aws.env}"
while [[ $# -gt 0 ]]; do
  case "$1" in
    --port) PORT="$2"; shift 2 ;;
    --no-seed) SEED=0; shift ;;
    -h|--help) sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "local-aws: unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
done

world_build_autofix
WORK="${LOCAL_AWS_DIR:-$ROOT/target/local-aws}"
world_start "$WORK" "$PORT"
if [[ "$SEED" == 1 ]]; then world_seed; fi

mkdir -p "$(dirname "$ENV_FILE")"
world_env >"$ENV_FILE"
cat <<MSG

The local AWS world is running: moto on 127.0.0.1:$MOTO_PORT, the Slack webhook on
127.0.0.1:$SLACK_PORT (its messages are appended to $WORK/slack.jsonl).
In another terminal, export this (or: source ${ENV_FILE#"$ROOT"/}):

$(world_env)

then try the README's examples, e.g. \`autofix scan\`. Ctrl-C here stops the world.
MSG
echo "READY"

stop() { echo; echo "local-aws: stopping"; world_stop; rm -f "$ENV_FILE"; exit 0; }
trap stop INT TERM
# `wait` returns when a trapped signal arrives, or when a server dies.
wait "$MOTO_PID" || true
echo "local-aws: the moto server exited; see $WORK/moto.err" >&2
world_stop
rm -f "$ENV_FILE"
exit 1
