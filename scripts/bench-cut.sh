#!/usr/bin/env bash
# Final-cut benchmark (issue 12): 20 clips of 8 s at 720p (24 fps, with sound) cut into one film by
# `veo-pipeline run`, beside one hand-written ffmpeg concat-filter command doing the same
# normalisation on the same files (target: at most 1.2x its time); then a re-run with nothing
# changed, which must start no ffmpeg or ffprobe process. Usage: scripts/bench-cut.sh [ROUNDS]
# Brings the release build up to date (scripts/build-release.sh); VEO_BIN=path runs another binary.
set -euo pipefail
cd "$(dirname "$0")/.."
WORK="$(mktemp -d /tmp/veo-bench-cut.XXXXXX)"
trap 'rm -rf "$WORK"' EXIT
BIN="${VEO_BIN:-.build-static/release/veo-pipeline}"
if [ -z "${VEO_BIN:-}" ]; then
  echo "== release build: scripts/build-release.sh"
  bash scripts/build-release.sh >/dev/null
fi
echo "== machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg); $BIN; $(ffmpeg -version | head -1)"
python3 scripts/bench/cut_bench.py "$BIN" "$WORK" "${1:-3}"
echo "== load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
