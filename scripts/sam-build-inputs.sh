#!/usr/bin/env bash
# Prints one hash of what `sam build` depends on beyond the Rust sources: the
# template, samconfig, the workspace manifest and lock file, and every function's
# manifest. scripts/sam-build.sh records it in .ci/sam-build.inputs after a
# successful build; scripts/test.sh runs sam build again only when it changes.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
{ ls template.yaml samconfig.toml Cargo.toml Cargo.lock; ls functions/*/Cargo.toml; } | LC_ALL=C sort | xargs sha256sum | sha256sum | cut -d' ' -f1
