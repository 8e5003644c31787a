#!/usr/bin/env bash
# Renders the demo pipeline against the bundled emulator: no API key, no cost.
# Installs ffmpeg/libyaml if missing, builds, then runs:
#   veo-pipeline run pipelines/demo.yaml --emulate --out renders/demo
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
echo "==> building veo-pipeline (the first build takes a few minutes)"
swift build --product veo-pipeline 2>&1 | grep -E "error|Compiling veo|Build complete" || true
bin="$(swift build --show-bin-path)/veo-pipeline"
[[ -x "$bin" ]] || { echo "error: the build failed; run 'swift build' to see why" >&2; exit 1; }
"$bin" validate pipelines/demo.yaml
"$bin" plan pipelines/demo.yaml
exec "$bin" run pipelines/demo.yaml --emulate --out renders/demo "$@"
