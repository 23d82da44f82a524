#!/usr/bin/env bash
# The main job, locally: start a local AWS (moto) and a local Slack webhook, seed
# real violations, run the s3-public-access function's handler on real-shaped
# events and the admin CLI's scan and fix, then show what was fixed, what went to
# Slack and what the ledger holds. Needs no AWS account and no Docker.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

say() { printf '\n\033[1m==> %s\033[0m\n' "$*"; }
run() { printf '\n$ %s\n' "$*"; "$@"; }

say "Installing the local AWS world (moto server, pinned) and building autofix"
VENV="$(scripts/bootstrap-python.sh)"
PY="$VENV/bin/python"
cargo build --quiet --bin autofix
AUTOFIX="$ROOT/target/debug/autofix"

WORK="$(mktemp -d)"
cleanup() { kill "${MOTO_PID:-}" "${SLACK_PID:-}" 2>/dev/null || true; rm -rf "$WORK"; }
trap cleanup EXIT

wait_port() { # file -> port
  for _ in $(seq 1 100); do
    if grep -q '^PORT=' "$1" 2>/dev/null; then sed -n 's/^PORT=//p' "$1" | head -1; return 0; fi
    sleep 0.1
  done
  echo "timed out waiting for $1" >&2; cat "$1" >&2; return 1
}

"$PY" tests/moto/launcher.py >"$WORK/moto.out" 2>"$WORK/moto.err" & MOTO_PID=$!
"$PY" scripts/demo/slack_receiver.py "$WORK/slack.jsonl" >"$WORK/slack.out" 2>&1 & SLACK_PID=$!
MOTO_PORT="$(wait_port "$WORK/moto.out")"
SLACK_PORT="$(wait_port "$WORK/slack.out")"

export AWS_ENDPOINT_URL="http://127.0.0.1:$MOTO_PORT" AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing \
       AWS_REGION=us-east-1 AWS_DEFAULT_REGION=us-east-1 AWS_EC2_METADATA_DISABLED=true
unset AWS_PROFILE AWS_SESSION_TOKEN
echo "local AWS (moto) on 127.0.0.1:$MOTO_PORT, local Slack webhook on 127.0.0.1:$SLACK_PORT"

say "Seeding violations (the stack's tables and Slack secret, and buckets in every shape)"
"$PY" scripts/demo/seed.py "http://127.0.0.1:$SLACK_PORT/services/T000/B000/XXXX"

say "1. A first look: autofix scan (changes nothing)"
run "$AUTOFIX" scan || true

say "2. The Lambda handler on a real-shaped CloudTrail event (someone made a policy public)"
run "$AUTOFIX" handle --event tests/fixtures/events/cloudtrail-put-bucket-policy.json

say "3. The same event delivered again: one change, one notice (idempotent)"
run "$AUTOFIX" handle --event tests/fixtures/events/cloudtrail-put-bucket-policy.json

say "4. An admin fixes the rest: autofix fix"
run "$AUTOFIX" fix

say "5. Scan again: left are the exempt bucket, a warning, and what only a person can do (root MFA, a bucket whose ACLs CloudFront's logs need)"
run "$AUTOFIX" scan || true

say "6. An admin undoes one fix: the exact before-state comes back, and the bucket is exempt for 30 days"
UNDO_ID="$("$AUTOFIX" history --json --rule s3-bucket-public-access --resource phi-public-read | "$PY" -c 'import json,sys; print(json.load(sys.stdin)[0]["id"])')"
run "$AUTOFIX" undo "$UNDO_ID" --reason "demo: restoring the public grant"
run "$AUTOFIX" history --limit 6
run "$AUTOFIX" rules

say "7. The legitimate CloudFront statement is still in place"
"$PY" - <<'PYEOF'
import boto3, json
for b in ("phi-mixed-policy", "phi-cdn-origin"):
    sids = [s.get("Sid") for s in json.loads(boto3.client("s3").get_bucket_policy(Bucket=b)["Policy"])["Statement"]]
    print(f"{b}: policy statements now {sids}")
PYEOF

say "7b. S3 data protection: encryption, TLS only, versioning, access logs, ACLs disabled"
"$PY" - <<'PYEOF'
import boto3, json
s3 = boto3.client("s3")
def get(call, **kw):
    try:
        return call(**kw)
    except Exception as e:
        return {"error": type(e).__name__}
for b in ("phi-unencrypted", "phi-no-tls", "phi-unversioned", "phi-unlogged", "phi-acls-enabled", "phi-cloudfront-logs"):
    enc = get(s3.get_bucket_encryption, Bucket=b).get("ServerSideEncryptionConfiguration", {}).get("Rules", [{}])[0]
    pol = get(s3.get_bucket_policy, Bucket=b).get("Policy")
    sids = [x.get("Sid") for x in json.loads(pol)["Statement"]] if pol else []
    ver = get(s3.get_bucket_versioning, Bucket=b).get("Status")
    log = get(s3.get_bucket_logging, Bucket=b).get("LoggingEnabled", {})
    own = get(s3.get_bucket_ownership_controls, Bucket=b).get("OwnershipControls", {}).get("Rules", [{}])[0].get("ObjectOwnership")
    print(f"{b}: encryption {enc.get('ApplyServerSideEncryptionByDefault', {}).get('SSEAlgorithm')}"
          f" (bucket key {enc.get('BucketKeyEnabled')}), policy {sids}, versioning {ver},"
          f" logs to {log.get('TargetBucket')}/{log.get('TargetPrefix', '')}, ownership {own}")
PYEOF
echo "(phi-cloudfront-logs keeps its ACLs: the notice names CloudFront's log-delivery grant)"

say "8. What went to Slack, and what the ledger holds"
"$PY" scripts/demo/show.py "$WORK/slack.jsonl"
