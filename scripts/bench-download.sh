#!/usr/bin/env bash
# Download benchmark: the API client vs `curl -L -o`, side by side, against the emulator serving
# one large MP4-signed file. Reports throughput ratio (client/curl, target >= 0.8) and the client
# process's peak RSS (target < 64 MB). Usage: scripts/bench-download.sh [size-MB]   (default 500)
#
# The client side is the env-gated test `benchmarkDownload` (Tests/APIClientTests/BenchmarkHarness.swift),
# run straight from the release test binary so that /usr/bin/time measures only that process
# (no SwiftPM parent). Only the download is timed for both (create + poll happen before it).
set -euo pipefail
cd "$(dirname "$0")/.."
SIZE_MB="${1:-500}"
WORK="$(mktemp -d /tmp/veo-bench.XXXXXX)"
EMU_PID=""
cleanup() { [ -n "$EMU_PID" ] && kill "$EMU_PID" 2>/dev/null || true; rm -rf "$WORK"; }
trap cleanup EXIT

echo "== building release (veo-pipeline + tests with -enable-testing)"
swift build -c release --product veo-pipeline >/dev/null
swift build -c release --build-tests -Xswiftc -enable-testing >/dev/null
BIN="$(swift build -c release --show-bin-path)"
TESTS="$BIN/veo-pipelinePackageTests.xctest"

echo "== making a ${SIZE_MB} MB MP4-signed file"
SRC="$WORK/big.mp4"
printf '\x00\x00\x00\x18ftypisom\x00\x00\x02\x00isomiso2' > "$SRC"
head -c "$((SIZE_MB * 1024 * 1024 - 24))" /dev/urandom >> "$SRC"
SRC_SHA="$(sha256sum "$SRC" | cut -d' ' -f1)"

PORT="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
"$BIN/veo-pipeline" emulator --port "$PORT" --serve-file "$SRC" --render-seconds 0.2 >"$WORK/emulator.log" 2>&1 &
EMU_PID=$!
BASE="http://127.0.0.1:$PORT"
for _ in $(seq 1 50); do curl -s -o /dev/null "$BASE/_emulator/faults" && break; sleep 0.1; done

echo "== client"
VEO_BENCH_BASE_URL="$BASE" VEO_BENCH_OUTPUT="$WORK/client.mp4" VEO_API_KEY=bench \
  /usr/bin/time -v "$TESTS" --testing-library swift-testing --filter benchmarkDownload >"$WORK/client.out" 2>"$WORK/client.time"
grep BENCH "$WORK/client.out"
CLIENT_SECONDS="$(grep -o 'seconds=[0-9.e-]*' "$WORK/client.out" | cut -d= -f2)"
CLIENT_RSS_KB="$(grep 'Maximum resident set size' "$WORK/client.time" | awk '{print $NF}')"
CLIENT_SHA="$(sha256sum "$WORK/client.mp4" | cut -d' ' -f1)"
rm -f "$WORK/client.mp4"

echo "== curl"
# A second job, so curl downloads the same way (content URL -> redirect -> file).
ID="$(curl -s -H 'Authorization: Bearer bench' -H 'Content-Type: application/json' \
  -d '{"model":"veo-3.1-fast-generate-preview","prompt":"benchmark","seconds":8,"size":"1280x720"}' \
  "$BASE/v1/videos" | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')"
until curl -s -H 'Authorization: Bearer bench' "$BASE/v1/videos/$ID" | grep -q '"completed"'; do sleep 0.1; done
CURL_SECONDS="$(curl -s -L -H 'Authorization: Bearer bench' -o "$WORK/curl.mp4" -w '%{time_total}' "$BASE/v1/videos/$ID/content")"
CURL_SHA="$(sha256sum "$WORK/curl.mp4" | cut -d' ' -f1)"

python3 - "$SIZE_MB" "$CLIENT_SECONDS" "$CURL_SECONDS" "$CLIENT_RSS_KB" <<'PY'
import sys
mb, client, curl, rss = float(sys.argv[1]), float(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4])
c, k = mb / client, mb / curl
print(f"size {mb:.0f} MiB | client {client:.2f} s ({c:.0f} MiB/s) | curl {curl:.2f} s ({k:.0f} MiB/s)")
print(f"throughput ratio client/curl = {c / k:.2f} (target >= 0.8) {'OK' if c / k >= 0.8 else 'MISSED'}")
print(f"client peak RSS = {rss / 1024:.1f} MiB (target < 64) {'OK' if rss < 64 * 1024 else 'MISSED'}")
PY
[ "$CLIENT_SHA" = "$SRC_SHA" ] && [ "$CURL_SHA" = "$SRC_SHA" ] && echo "sha256 of both downloads matches the source" \
  || { echo "sha256 MISMATCH"; exit 1; }
