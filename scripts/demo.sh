#!/usr/bin/env bash
# Renders the demo pipeline against the bundled emulator: no API key, no cost.
# Installs ffmpeg/libyaml if missing, builds, then runs:
#   veo-pipeline run pipelines/demo.yaml --emulate --out renders/demo
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
echo "==> building veo-pipeline (the first build compiles ~2,500 files: about 6 minutes on 2 cores; later builds take seconds)"
# SwiftPM's own lines ([step/total] ...), thinned to one every 5% so the first build shows progress.
swift build --product veo-pipeline 2>&1 | awk '
  /^\[[0-9]+\/[0-9]+\]/ { split(substr($1, 2), p, "/"); pct = int(100 * p[1] / p[2]);
                          if (pct >= shown + 5) { shown = pct; printf "    %3d%%  %s\n", pct, $0; fflush() } next }
  /error|warning: .*veo-pipeline|Build complete/ { print; fflush() }' || true
bin="$(swift build --show-bin-path)/veo-pipeline"
[[ -x "$bin" ]] || { echo "error: the build failed; run 'swift build' to see why" >&2; exit 1; }
"$bin" validate pipelines/demo.yaml
"$bin" plan pipelines/demo.yaml
exec "$bin" run pipelines/demo.yaml --emulate --out renders/demo "$@"
