#!/usr/bin/env bash
# Renders the demo pipeline against the bundled emulator: no API key, no cost.
# Installs ffmpeg/libyaml if missing, builds, then runs:
#   veo-pipeline run pipelines/demo.yaml --emulate --out renders/demo
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
echo "==> building veo-pipeline: the first build compiles the tool and its dependencies (about 2,500 files),"
echo "    10 to 15 minutes on 2 cores (a new user's clone took 12 min 20 s with this demo); later builds take seconds"
start=$SECONDS
# SwiftPM says nothing for minutes near the end (it compiles its largest modules and links the
# tool): a line every 30 s (DEMO_TICK_SECONDS) says the build is still going and for how long.
tick="${DEMO_TICK_SECONDS:-30}"
(
  while sleep "$tick" </dev/null >/dev/null 2>&1; do
    t=$((SECONDS - start))
    echo "    ... still building, $((t / 60)) min $((t % 60)) s so far (near the end SwiftPM is quiet while it compiles its largest modules and links)"
  done
) &
ticker=$!
trap 'kill "$ticker" 2>/dev/null || true' EXIT
# SwiftPM's own lines ([step/total] ...), thinned to one every 5% so the first build shows progress.
swift build --product veo-pipeline 2>&1 | awk '
  /^\[[0-9]+\/[0-9]+\]/ { split(substr($1, 2), p, "/"); pct = int(100 * p[1] / p[2]);
                          if (pct >= shown + 5) { shown = pct; printf "    %3d%%  %s\n", pct, $0; fflush() } next }
  /error|warning: .*veo-pipeline|Build complete/ { print; fflush() }' || true
kill "$ticker" 2>/dev/null || true
wait "$ticker" 2>/dev/null || true
trap - EXIT
t=$((SECONDS - start))
echo "    build step done in $((t / 60)) min $((t % 60)) s"
bin="$(swift build --show-bin-path)/veo-pipeline"
[[ -x "$bin" ]] || { echo "error: the build failed; run 'swift build' to see why" >&2; exit 1; }
"$bin" validate pipelines/demo.yaml
"$bin" plan pipelines/demo.yaml
exec "$bin" run pipelines/demo.yaml --emulate --out renders/demo "$@"
