#!/usr/bin/env bash
# Run benchmarks (issue 4 §10), in one run against one emulator:
#  1. scheduling: 500 jobs in a DAG of depth 4 (125 per level), emulator render time 1 s,
#     --concurrency 32, --poll-interval 0.2: makespan vs the lower bound
#     max(critical path 4 x 1 s, total work 500 x 1 s / 32); target <= 1.10 x the lower bound;
#  2. the same jobs driven by the openai Python SDK's videos API with asyncio (scripts/bench/
#     bench_openai_sdk.py), same concurrency and poll interval: makespan ratio and HTTP requests
#     per job (from the emulator's record);
#  3. a no-op re-run of 1,000 cached jobs: wall time (target < 1 s) and zero POSTs.
# The emulator serves one fixed 1280x720, 4 s MP4 (--serve-file, made here with ffmpeg) so its own
# ffmpeg rendering stays out of the measurement; every job asks for that size and duration, so the
# runner's ffprobe check passes.
#
# Usage: scripts/bench-run.sh          Needs: swift, ffmpeg/ffprobe, python3 with PyYAML and openai
# (pip install openai). Brings the release build (scripts/build-release.sh) up to date; VEO_BIN overrides.
set -euo pipefail
cd "$(dirname "$0")/.."
RENDER_SECONDS="${RENDER_SECONDS:-1}"
WORK="$(mktemp -d /tmp/veo-bench-run.XXXXXX)"
EMU_PID=""
cleanup() { [ -n "$EMU_PID" ] && kill "$EMU_PID" 2>/dev/null || true; rm -rf "$WORK"; }
trap cleanup EXIT

BIN="${VEO_BIN:-.build-static/release/veo-pipeline}"
if [ -z "${VEO_BIN:-}" ]; then  # always bring the release build up to date (fast when it is)
  echo "== release build: scripts/build-release.sh (static Swift runtime, non-PIE; the first build takes ~8 minutes)"
  bash scripts/build-release.sh >/dev/null
fi
python3 -c 'import openai, yaml' 2>/dev/null || { echo "needs python3 packages openai and PyYAML (pip install openai pyyaml)"; exit 1; }

echo "== machine: $(nproc) cores, $(free -g | awk '/^Mem:/{print $2}') GiB RAM, $(uname -m)," \
  "load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "== $(swift --version 2>/dev/null | head -1)"
echo "== $($BIN --version 2>/dev/null || true) ($BIN); openai SDK $(python3 -c 'import openai; print(openai.__version__)')"

echo "== making the served clip: 1280x720, 4 s, H.264"
ffmpeg -nostdin -v error -f lavfi -i "testsrc2=size=1280x720:rate=24:duration=4" \
  -c:v libx264 -preset veryfast -g 24 -pix_fmt yuv420p -movflags +faststart "$WORK/clip.mp4"

PORT="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
"$BIN" emulator --port "$PORT" --render-seconds "$RENDER_SECONDS" --serve-file "$WORK/clip.mp4" \
  >"$WORK/emulator.log" 2>&1 &
EMU_PID=$!
BASE="http://127.0.0.1:$PORT"
for _ in $(seq 1 100); do curl -s -o /dev/null "$BASE/_emulator/faults" && break; sleep 0.1; done

python3 scripts/bench/run_bench.py "$BIN" "$BASE" "$WORK" "$RENDER_SECONDS" 4 1280x720
