#!/usr/bin/env bash
# The main job, locally: start a local AWS (moto) and a local Slack webhook, seed
# real violations, run the s3-public-access function's handler on real-shaped
# events and the admin CLI's scan and fix, then show what was fixed, what went to
# Slack and what the ledger holds, and write the auditor's evidence report. Needs
# no AWS account and no Docker.
#
#   scripts/demo.sh           # report in target/demo/ (DEMO_OUT=DIR to change)
#
# AUTOFIX=/path/to/autofix skips the build (the report's browser test does that).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
# shellcheck source=lib/local-world.sh
source "$ROOT/scripts/lib/local-world.sh"

# Bold headings on a terminal only (a log or a test reads plain text).
if [[ -t 1 ]]; then
  say() { printf '\n\033[1m==> %s\033[0m\n' "$*"; }
else
  say() { printf '\n==> %s\n' "$*"; }
fi
run() { printf '\n$ %s\n' "$*"; "$@"; }

OUT="${DEMO_OUT:-$ROOT/target/demo}"
say "Installing the local AWS world (moto server, pinned) and building autofix"
world_build_autofix

WORK="$(mktemp -d)"
cleanup() { world_stop; rm -rf "$WORK"; }
world_start "$WORK"
trap cleanup EXIT
echo "local AWS (moto) on 127.0.0.1:$MOTO_PORT, local Slack webhook on 127.0.0.1:$SLACK_PORT"

say "Seeding violations (the stack's tables and Slack secret, and buckets in every shape)"
world_seed

say "1. A first look: autofix scan (changes nothing)"
run "$AUTOFIX" scan || true

# The event as CloudTrail would deliver it for a change made now (the fixture's own
# time is long past), so the report's time to remediate measures this run.
EVENT="$WORK/cloudtrail-put-bucket-policy.json"
"$WORLD_PY" - tests/fixtures/events/cloudtrail-put-bucket-policy.json "$EVENT" <<'PYEOF'
import datetime, json, sys
event = json.load(open(sys.argv[1], encoding="utf-8"))
now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
event["time"] = event["detail"]["eventTime"] = now
json.dump(event, open(sys.argv[2], "w", encoding="utf-8"))
PYEOF

say "2. The Lambda handler on a real-shaped CloudTrail event (someone made a policy public)"
run "$AUTOFIX" handle --event "$EVENT"

say "3. The same event delivered again: one change, one notice (idempotent)"
run "$AUTOFIX" handle --event "$EVENT"

say "4. An admin fixes the rest: autofix fix"
run "$AUTOFIX" fix

say "5. Scan again: left are the exempt bucket, a warning, and what only a person can do (root MFA, a bucket whose ACLs CloudFront's logs need)"
run "$AUTOFIX" scan || true

say "6. An admin undoes one fix: the exact before-state comes back, and the bucket is exempt for 30 days"
UNDO_ID="$("$AUTOFIX" history --json --rule s3-bucket-public-access --resource phi-public-read | "$WORLD_PY" -c 'import json,sys; print(json.load(sys.stdin)[0]["id"])')"
run "$AUTOFIX" undo "$UNDO_ID" --reason "demo: restoring the public grant"
run "$AUTOFIX" history --limit 6
run "$AUTOFIX" rules

say "7. The legitimate CloudFront statement is still in place"
"$WORLD_PY" - <<'PYEOF'
import boto3, json
for b in ("phi-mixed-policy", "phi-cdn-origin"):
    sids = [s.get("Sid") for s in json.loads(boto3.client("s3").get_bucket_policy(Bucket=b)["Policy"])["Statement"]]
    print(f"{b}: policy statements now {sids}")
PYEOF

say "7b. S3 data protection: encryption, TLS only, versioning, access logs, ACLs disabled"
"$WORLD_PY" - <<'PYEOF'
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

say "7c. The audit trail and the keys: the stopped trail logs again, rotation on, no key pending deletion"
"$WORLD_PY" - <<'PYEOF'
import boto3
ct, kms = boto3.client("cloudtrail"), boto3.client("kms")
for t in ct.describe_trails()["trailList"]:
    logging = ct.get_trail_status(Name=t["Name"])["IsLogging"]
    print(f"trail {t['Name']}: logging {logging}, multi-region {t['IsMultiRegionTrail']},"
          f" validation {t['LogFileValidationEnabled']}, encrypted {bool(t.get('KmsKeyId'))}")
for k in kms.list_keys()["Keys"]:
    m = kms.describe_key(KeyId=k["KeyId"])["KeyMetadata"]
    rotation = kms.get_key_rotation_status(KeyId=k["KeyId"])["KeyRotationEnabled"]
    print(f"key {m['Description'] or m['KeyId']}: {m['KeyState']}, rotation {rotation}")
PYEOF

say "7d. Network and data stores: the SSH rule revoked (Postgres from the VPC kept), the snapshot private (the partner kept)"
"$WORLD_PY" - <<'PYEOF'
import boto3
ec2 = boto3.client("ec2")
for g in ec2.describe_security_groups(Filters=[{"Name": "group-name", "Values": ["phi-db-ssh-open"]}])["SecurityGroups"]:
    rules = [f"{p['IpProtocol']}/{p.get('FromPort')} from {r['CidrIp']}" for p in g["IpPermissions"] for r in p.get("IpRanges", [])]
    print(f"{g['GroupId']}: ingress now {rules}")
# moto lists its ~1,300 built-in snapshots as the account's own: only the seeded one.
for s in ec2.describe_snapshots(OwnerIds=["self"], Filters=[{"Name": "description", "Values": ["patients db nightly"]}])["Snapshots"]:
    perms = ec2.describe_snapshot_attribute(SnapshotId=s["SnapshotId"], Attribute="createVolumePermission")["CreateVolumePermissions"]
    print(f"{s['SnapshotId']}: create-volume permission now {[p.get('UserId') or p.get('Group') for p in perms]}")
PYEOF

say "8. What went to Slack, and what the ledger holds"
"$WORLD_PY" scripts/demo/show.py "$WORK/slack.jsonl"

say "9. The auditor's evidence report: HTML (print it to PDF), CSV and JSON with the same rows"
rm -rf "$OUT/report-csv"
run "$AUTOFIX" report --since 7d --format html,csv,json --out "$OUT"
echo
echo "Open $OUT/report.html in a browser (and print it to PDF for the auditor)."
