#!/usr/bin/env bash
# Check template.yaml the way a SAM user (and CI) would:
#
#   1. sam validate --lint   (SAM transform + cfn-lint, offline)
#   2. cfn-lint template.yaml
#   3. checkov on the template (CloudFormation framework, offline)
#   4. checkov on the SAM-transformed template (what CloudFormation deploys:
#      AWS::Lambda::Function, the EventBridge rules and invoke permissions SAM
#      generates), so checks on generated resources run too
#
# and the member template infra/member.yaml (#14: what a StackSet deploys to
# every member account) with the same three tools: sam validate --lint,
# cfn-lint, checkov. Step 4 has no member counterpart, for a reason: the member
# template is plain CloudFormation (no Transform), so the source checkov run
# already sees every resource CloudFormation deploys.
#
#   scripts/check-template.sh                 # install if needed, run the checks
#   scripts/check-template.sh --install-only  # only make sure the venvs exist
#
# The tools are installed idempotently, pinned, into two venvs under the repo
# (each holds a `*` .gitignore): .venv-sam (aws-sam-cli + cfn-lint) and
# .venv-checkov (checkov).
# Two venvs because checkov and aws-sam-cli in one venv make pip backtrack
# checkov to an old release. A marker file per venv records the pins; pip runs
# only when they change, so a warm run takes a few seconds.
#
# Every checkov check either passes or is skipped in the template itself
# (Metadata.checkov.skip on the resource, with the reason). Exit status is
# non-zero when any of the three tools fails.
#
# Environment: PYTHON (interpreter used to create the venvs), HIPAA_AUTOFIX_SAM_VENV,
# HIPAA_AUTOFIX_CHECKOV_VENV (venv locations), TEMPLATE (default template.yaml),
# MEMBER_TEMPLATE (default infra/member.yaml).
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SAM_VENV="${HIPAA_AUTOFIX_SAM_VENV:-$REPO/.venv-sam}"
CHECKOV_VENV="${HIPAA_AUTOFIX_CHECKOV_VENV:-$REPO/.venv-checkov}"
TEMPLATE="${TEMPLATE:-$REPO/template.yaml}"
MEMBER_TEMPLATE="${MEMBER_TEMPLATE:-$REPO/infra/member.yaml}"

SAM_REQUIREMENTS=(
  "aws-sam-cli==1.170.0"
  "cfn-lint==1.58.0"
)
CHECKOV_REQUIREMENTS=(
  "checkov==3.3.30"
)

log() { printf 'check-template: %s\n' "$*" >&2; }

find_python() {
  if [[ -n "${PYTHON:-}" ]]; then
    echo "$PYTHON"
    return
  fi
  # aws-sam-cli 1.170 supports Python 3.9-3.13.
  for cand in python3.11 python3.12 python3.13 python3.10 python3.9 python3; do
    if command -v "$cand" >/dev/null 2>&1; then
      echo "$cand"
      return
    fi
  done
  log "no python3 found; install it (Debian: apt-get install -y python3 python3-venv)"
  exit 2
}

# ensure_venv DIR REQUIREMENT... : create DIR and install the pins unless the
# marker says they are already there.
ensure_venv() {
  local venv="$1"
  shift
  local want marker py
  want="$(printf '%s\n' "$@")"
  marker="$venv/.hipaa-autofix-requirements"
  if [[ -x "$venv/bin/python" && -f "$marker" && "$(cat "$marker")" == "$want" ]]; then
    return 0
  fi
  py="$(find_python)"
  log "installing $(printf '%s ' "$@")into ${venv#"$REPO"/}"
  if [[ ! -x "$venv/bin/python" ]]; then
    if ! "$py" -m venv "$venv" >/dev/null 2>&1; then
      rm -rf "$venv"
      log "'$py -m venv' failed; on Debian install python3-venv"
      exit 2
    fi
  fi
  # A venv ignores itself (as `python3.13 -m venv` does), whatever the repo's .gitignore says.
  printf '*\n' >"$venv/.gitignore"
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check "$@" >&2
  "$venv/bin/python" -m pip freeze --disable-pip-version-check >"$venv/.requirements-lock" 2>/dev/null || true
  printf '%s\n' "$want" >"$marker"
}

INSTALL_ONLY=0
case "${1:-}" in
  --install-only) INSTALL_ONLY=1 ;;
  "") ;;
  *)
    log "usage: $0 [--install-only]"
    exit 2
    ;;
esac

if ((!INSTALL_ONLY)); then
  for t in "$TEMPLATE" "$MEMBER_TEMPLATE"; do
    if [[ ! -f "$t" ]]; then
      log "no template at $t"
      exit 2
    fi
  done
fi

ensure_venv "$SAM_VENV" "${SAM_REQUIREMENTS[@]}"
ensure_venv "$CHECKOV_VENV" "${CHECKOV_REQUIREMENTS[@]}"
if ((INSTALL_ONLY)); then
  exit 0
fi

cd "$REPO"
failed=()

# Offline: no telemetry, no update checks, a region for the SAM translator.
export SAM_CLI_TELEMETRY=0
export AWS_DEFAULT_REGION="${AWS_DEFAULT_REGION:-us-east-1}"
export AWS_REGION="${AWS_REGION:-$AWS_DEFAULT_REGION}"

log "sam validate --lint"
if ! "$SAM_VENV/bin/sam" validate --lint --template-file "$TEMPLATE"; then
  failed+=("sam validate --lint")
fi

log "cfn-lint"
if ! "$SAM_VENV/bin/cfn-lint" "$TEMPLATE"; then
  failed+=("cfn-lint")
fi

log "checkov"
# --skip-download: no network call for the Bridgecrew/Prisma policy bundle
# (without it checkov prints a long network traceback offline).
# --quiet: only failed checks; --compact: no code blocks.
# checkov exits 0 when it cannot parse a template ("Parsing errors: 1"), so its
# summary is checked too.
workdir="$(mktemp -d)"
trap 'rm -rf "$workdir"' EXIT
run_checkov() { # run_checkov LABEL FILE
  local label="$1" file="$2" out="$workdir/checkov-$1.txt"
  if ! "$CHECKOV_VENV/bin/checkov" -f "$file" --framework cloudformation \
    --skip-download --quiet --compact 2>&1 | tee "$out"; then
    failed+=("checkov ($label)")
  elif grep -Eq 'Parsing errors: [1-9]' "$out"; then
    log "checkov could not parse the $label template"
    failed+=("checkov ($label: parsing)")
  elif ! grep -Eq 'Passed checks: [1-9]' "$out"; then
    log "checkov ran no checks on the $label template"
    failed+=("checkov ($label: no checks ran)")
  fi
}
run_checkov source "$TEMPLATE"

log "checkov (SAM-transformed template)"
# The SAM translator, offline, with a placeholder S3 CodeUri as `sam package`
# would set it. Metadata (and so each checkov skip) carries over to the
# generated AWS::Lambda::Function.
if "$SAM_VENV/bin/python" - "$TEMPLATE" "$workdir/transformed.json" <<'PY'; then
import json
import sys

from samtranslator.translator.transform import transform
from samtranslator.yaml_helper import yaml_parse

with open(sys.argv[1], encoding="utf-8") as f:
    template = yaml_parse(f.read())
for resource in template.get("Resources", {}).values():
    if resource.get("Type") in ("AWS::Serverless::Function", "AWS::Serverless::LayerVersion"):
        props = resource.setdefault("Properties", {})
        key = "ContentUri" if resource["Type"].endswith("LayerVersion") else "CodeUri"
        props[key] = "s3://placeholder-bucket/placeholder.zip"


class NoManagedPolicies:
    # The template names no AWS managed policies; nothing to look up.
    def load(self):
        return {}


with open(sys.argv[2], "w", encoding="utf-8") as f:
    json.dump(transform(template, {}, NoManagedPolicies()), f, indent=1)
PY
  run_checkov transformed "$workdir/transformed.json"
else
  failed+=("SAM transform")
fi

log "member template: sam validate --lint"
if ! "$SAM_VENV/bin/sam" validate --lint --template-file "$MEMBER_TEMPLATE"; then
  failed+=("sam validate --lint (member)")
fi

log "member template: cfn-lint"
if ! "$SAM_VENV/bin/cfn-lint" "$MEMBER_TEMPLATE"; then
  failed+=("cfn-lint (member)")
fi

log "member template: checkov"
run_checkov member "$MEMBER_TEMPLATE"

if ((${#failed[@]})); then
  log "FAILED: ${failed[*]}"
  exit 1
fi
log "all template checks passed (sam validate --lint, cfn-lint, checkov on source and transformed template; the same three on the member template)"
