#!/usr/bin/env bash
# Polling, downloads and the critical path (issue 16), in one run, each against its own emulator:
#  1. 200 jobs as 50 chains of 4, concurrency 32, render 1 s, --poll-interval 0.2: requests per
#     job by kind (target <= 4), beside the same run with --poll-planning plain (the reference) and
#     scripts/bench/bench_openai_sdk.py (makespan target <= 0.90 x the SDK script's);
#  2. realistic pacing divided by 30 (renders 90 +- 25 s, poll floor 8 s): polls per job and mean
#     delay from completion to download, beside fixed-interval polling at the floor (targets: at
#     least 50 % fewer polls, a shorter delay; three rounds, each side in turn, judged on the medians);
#  3. one chain of 8 plus 64 independent jobs, concurrency 8: makespan <= 1.05 x max(critical
#     path, total work / concurrency);
#  4. the earlier target: 500 jobs, depth 4, concurrency 32: <= 1.10 x the bound.
# Usage: scripts/bench-polling.sh [SECTION...]   Needs: swift, ffmpeg, python3 with PyYAML and openai
# (installed when missing: scripts/install-deps.sh --bench).
# Brings the release build up to date (scripts/build-release.sh); VEO_BIN=path runs another binary.
# Every timed run first waits (up to BENCH_QUIET_WAIT s, default 600) until the 1-minute load
# average is below BENCH_QUIET_LOAD (default 1.5; 0: do not wait); each figure is printed with it.
set -euo pipefail
cd "$(dirname "$0")/.."
WORK="$(mktemp -d /tmp/veo-bench-polling.XXXXXX)"
trap 'rm -rf "$WORK"' EXIT
BIN="${VEO_BIN:-.build-static/release/veo-pipeline}"
bash scripts/install-deps.sh --bench >/dev/null
export BENCH_QUIET_LOAD="${BENCH_QUIET_LOAD:-1.5}"
if [ -z "${VEO_BIN:-}" ]; then
  echo "== release build: scripts/build-release.sh"
  bash scripts/build-release.sh >/dev/null
fi
echo "== machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg); $BIN"
ffmpeg -nostdin -v error -f lavfi -i "testsrc2=size=1280x720:rate=24:duration=4" \
  -c:v libx264 -preset veryfast -g 24 -pix_fmt yuv420p -movflags +faststart "$WORK/clip.mp4"
python3 scripts/bench/polling_bench.py "$BIN" "$WORK" "$WORK/clip.mp4" "$@"
