#!/usr/bin/env bash
# Prints, one line per function (`<logical id> <sha256>`), what its `sam build`
# depends on beyond the Rust sources: the build script, samconfig, the workspace
# manifest's build settings (its release profile; not the member list or the
# dependency table), the function's template build settings, its manifest and its
# resolved dependency tree with features (scripts/lib/sam-build-inputs.py says
# exactly). `--changed` prints only the ids whose line differs from the recorded
# .ci/sam-build.inputs. Needs the SAM venv's Python (PyYAML), which scripts/test.sh
# and scripts/sam-build.sh install first. scripts/sam-build.sh records the lines of
# what it built in .ci/sam-build.inputs; scripts/test.sh builds again only the
# functions whose line changed.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
SAM_PY="${HIPAA_AUTOFIX_SAM_VENV:-.venv-sam}/bin/python"
[[ -x "$SAM_PY" ]] || { echo "sam-build-inputs: $SAM_PY missing (scripts/check-template.sh --install-only)" >&2; exit 2; }
if [[ "${1:-}" == --changed ]]; then
  exec "$SAM_PY" scripts/lib/sam-build-inputs.py --changed .ci/sam-build.inputs template.yaml
fi
exec "$SAM_PY" scripts/lib/sam-build-inputs.py template.yaml
