#!/usr/bin/env bash
# The shared cache (issue 14), on loopback, in one run (see scripts/bench/cache_bench.py):
#  1. a warm cache of JOBS jobs (default 1,000): `veo-pipeline run --cache s3://…` against the
#     emulator serving one small clip (--serve-file), then each record given its own object;
#  2. a fresh folder restores every clip from moto (S3, signatures checked), timed against curl
#     fetching the same objects (`curl --parallel --parallel-max CONCURRENCY`, --aws-sigv4), ROUNDS
#     times in turns; target: >= 0.5 x curl's throughput;
#  3. a no-op run that only checks records (target < 2 s), and `plan --cache` in an empty folder;
#  4. one job missing from the cache, through a counting proxy: the requests the cache received
#     before the job's create request (target: at most one round trip);
#  then 2-4 again for the HTTP layout on nginx WebDAV, when nginx is installed.
# Usage: scripts/bench-cache.sh [JOBS] [CONCURRENCY] [ROUNDS]   (defaults 1000 16 3)
# Needs: ffmpeg, curl, python3 with moto[server] and boto3 (scripts/install-deps.sh --test), and
# optionally nginx; about 12 GB free in /tmp for 1,000 jobs (every folder is kept to the end).
# Brings the release build up to date (scripts/build-release.sh); VEO_BIN overrides.
set -euo pipefail
cd "$(dirname "$0")/.."
JOBS="${1:-1000}"
CONCURRENCY="${2:-16}"
ROUNDS="${3:-3}"
WORK="$(mktemp -d /tmp/veo-bench-cache.XXXXXX)"
trap 'rm -rf "$WORK"' EXIT
BIN="${VEO_BIN:-.build-static/release/veo-pipeline}"
if [ -z "${VEO_BIN:-}" ]; then
  echo "== release build: scripts/build-release.sh"
  bash scripts/build-release.sh >"$WORK/build.log" 2>&1 || { tail -20 "$WORK/build.log"; exit 1; }
fi
python3 -c 'import moto.server, boto3' 2>/dev/null || { echo "needs python3 packages moto[server] and boto3"; exit 1; }
echo "== machine: $(nproc) cores, $(free -g | awk '/^Mem:/{print $2}') GiB RAM, load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "== $($BIN --version 2>/dev/null || true) ($BIN); $(curl --version | head -1 | cut -d' ' -f1-2)"
# A 1280x720, 4 s clip (what every job asks for) of about 0.9 MB: 8 frames of a test pattern with
# a little noise (so it does not compress to nothing), which keeps the contact sheet's stills of the
# restored folder cheap.
ffmpeg -nostdin -v error -f lavfi -i "testsrc2=size=1280x720:rate=2:duration=4" -vf "noise=alls=4:allf=t" \
  -c:v libx264 -preset veryfast -crf 26 -g 2 -pix_fmt yuv420p -movflags +faststart "$WORK/clip.mp4"
python3 scripts/bench/cache_bench.py "$BIN" "$WORK" "$WORK/clip.mp4" "$JOBS" "$CONCURRENCY" "$ROUNDS"
