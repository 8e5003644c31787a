#!/usr/bin/env bash
# Download benchmark: `veo-pipeline download` (the project's API client) vs `curl -L -o`, side by
# side, against the emulator serving one large MP4 file, on loopback.
#
#   scripts/bench-download.sh [size-MiB] [rounds]        (defaults: 500 MiB, 3 rounds)
#
# Targets (issue 3, section 5): the client process's peak RSS stays under 64 MB while downloading
# a 500 MB video, and its throughput is at least 0.8 x curl's for the same file.
#
# Method
# - Binary: .build-static/release/veo-pipeline, the release build of scripts/build-release.sh,
#   brought up to date on every run (incremental when nothing changed).
# - Source file: a real 1 s H.264 MP4 made by ffmpeg, padded with random bytes to exactly
#   size-MiB MiB (the client checks only the byte count against Content-Length and `ftyp` at
#   offset 4; it does not run ffprobe on downloads).
# - One job is created with curl (POST /v1/videos) and polled until completed; both tools then
#   download the same id's /content (a redirect to the file), alternately, `rounds` times each,
#   swapping which goes first every round. Each run is a whole process under /usr/bin/time -v:
#   wall time is measured around it (so both include process start-up and the redirect; the
#   client also does one GET /v1/videos/{id} first, as the `download` command always does),
#   peak RSS is time's "Maximum resident set size". Outputs are deleted and `sync` is run
#   before each timed run (outside the timing), so neither tool pays for the other's writeback.
# - Both outputs' sha256 must equal the source's, every round.
# - Reported: the median of each tool's rounds; ratio = client MiB/s / curl MiB/s; the RSS
#   verdict uses the client's worst (highest) round, against 64 MB = 64,000,000 bytes (the
#   stricter reading; 64 MiB would be 67,108,864).
#
# Exit status: 0 all targets met, 2 a target missed, 1 any error (including a sha256 mismatch).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"
SIZE_MB="${1:-500}"
ROUNDS="${2:-5}"
BIN="$ROOT/.build-static/release/veo-pipeline"
KEY="bench"

WORK="$(mktemp -d "${TMPDIR:-/tmp}/veo-bench-download.XXXXXX")"
EMU_PID=""
cleanup() {
    if [ -n "$EMU_PID" ]; then
        kill "$EMU_PID" 2>/dev/null || true
        wait "$EMU_PID" 2>/dev/null || true
    fi
    rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

die() { echo "error: $*" >&2; exit 1; }

# --- tools -------------------------------------------------------------------------------------
if [ ! -x /usr/bin/time ]; then
    echo "== installing GNU time (/usr/bin/time is missing)"
    apt-get update -qq >/dev/null && apt-get install -y -qq time >/dev/null || die "cannot install 'time'"
fi
for tool in curl ffmpeg python3 sha256sum; do
    command -v "$tool" >/dev/null || die "'$tool' is required"
done

if [ -z "${VEO_BIN:-}" ]; then  # always bring the release build up to date (fast when it is)
    echo "== building: scripts/build-release.sh"
    bash scripts/build-release.sh >"$WORK/build.log" 2>&1 \
        || { tail -n 30 "$WORK/build.log" >&2; die "release build failed"; }
fi
[ -x "$BIN" ] || die "$BIN was not built"

# --- source file -------------------------------------------------------------------------------
SIZE_BYTES=$((SIZE_MB * 1024 * 1024))
SRC="$WORK/source.mp4"
echo "== making a ${SIZE_MB} MiB MP4 (${SIZE_BYTES} bytes): 1 s ffmpeg clip + random padding"
ffmpeg -hide_banner -loglevel error -f lavfi -i "testsrc=duration=1:size=320x240:rate=25" \
    -c:v libx264 -pix_fmt yuv420p -movflags +faststart -y "$WORK/clip.mp4" \
    || ffmpeg -hide_banner -loglevel error -f lavfi -i "testsrc=duration=1:size=320x240:rate=25" \
        -c:v mpeg4 -y "$WORK/clip.mp4" || die "ffmpeg could not make the clip"
CLIP_BYTES=$(stat -c %s "$WORK/clip.mp4")
[ "$CLIP_BYTES" -lt "$SIZE_BYTES" ] || die "size too small for the clip ($CLIP_BYTES bytes)"
cp "$WORK/clip.mp4" "$SRC"
head -c $((SIZE_BYTES - CLIP_BYTES)) /dev/urandom >>"$SRC"
[ "$(stat -c %s "$SRC")" -eq "$SIZE_BYTES" ] || die "source file has the wrong size"
[ "$(head -c 8 "$SRC" | tail -c 4)" = "ftyp" ] || die "source file has no ftyp box at offset 4"
SRC_SHA="$(sha256sum "$SRC" | cut -d' ' -f1)"

# --- emulator and one completed job ------------------------------------------------------------
PORT="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
BASE="http://127.0.0.1:$PORT"
echo "== emulator on $BASE serving the file"
"$BIN" emulator --port "$PORT" --serve-file "$SRC" --render-seconds 0.2 >"$WORK/emulator.log" 2>&1 &
EMU_PID=$!
for _ in $(seq 1 100); do
    code="$(curl -s -o /dev/null -w '%{http_code}' "$BASE/_emulator/faults" || true)"
    [ "$code" != "000" ] && break
    kill -0 "$EMU_PID" 2>/dev/null || { cat "$WORK/emulator.log" >&2; die "emulator exited"; }
    sleep 0.1
done
[ "$code" != "000" ] || die "emulator did not answer on $BASE"

CREATED="$(curl -sS -H "Authorization: Bearer $KEY" -H 'Content-Type: application/json' \
    -d '{"model":"veo-3.1-fast-generate-preview","prompt":"download benchmark","seconds":4}' \
    "$BASE/v1/videos")"
ID="$(printf '%s' "$CREATED" | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')" \
    || die "create failed: $CREATED"
for _ in $(seq 1 300); do
    STATUS="$(curl -sS -H "Authorization: Bearer $KEY" "$BASE/v1/videos/$ID" \
        | python3 -c 'import json,sys; print(json.load(sys.stdin)["status"])')"
    [ "$STATUS" = completed ] && break
    [ "$STATUS" = failed ] && die "job $ID failed"
    sleep 0.1
done
[ "$STATUS" = completed ] || die "job $ID did not complete"
echo "== job $ID completed"

# --- timed runs --------------------------------------------------------------------------------
RESULTS="$WORK/results.tsv"   # tool round seconds maxrss_kib cpu_percent sha_ok
: >"$RESULTS"
now_ns() { date +%s%N; }

run_one() { # tool round
    local tool="$1" round="$2" out time_log start end sha ok
    out="$WORK/out-$tool.mp4"
    time_log="$WORK/time-$tool-$round.log"
    rm -f "$out"
    sync
    start=$(now_ns)
    if [ "$tool" = client ]; then
        VEO_API_KEY="$KEY" /usr/bin/time -v -o "$time_log" \
            "$BIN" download "$ID" -o "$out" --base-url "$BASE" >"$WORK/client.out" 2>"$WORK/client.err" \
            || { cat "$WORK/client.err" >&2; die "client download failed (round $round)"; }
    elif [ "$tool" = curl ]; then
        /usr/bin/time -v -o "$time_log" \
            curl -sS -L -H "Authorization: Bearer $KEY" -o "$out" "$BASE/v1/videos/$ID/content" \
            || die "curl download failed (round $round)"
    else # curl_sha256: what a user would script to get the same integrity data as the client
        /usr/bin/time -v -o "$time_log" sh -c \
            'curl -sS -L -H "Authorization: Bearer $1" -o "$2" "$3" && sha256sum "$2" >/dev/null' \
            _ "$KEY" "$out" "$BASE/v1/videos/$ID/content" || die "curl+sha256sum failed (round $round)"
    fi
    end=$(now_ns)
    sha="$(sha256sum "$out" | cut -d' ' -f1)"
    ok=yes; [ "$sha" = "$SRC_SHA" ] || ok=NO
    printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$tool" "$round" \
        "$(awk -v s="$start" -v e="$end" 'BEGIN { printf "%.3f", (e - s) / 1e9 }')" \
        "$(awk -F': ' '/Maximum resident set size/ { print $2 }' "$time_log")" \
        "$(awk -F': ' '/Percent of CPU/ { sub("%", "", $2); print $2 }' "$time_log")" \
        "$ok" >>"$RESULTS"
    rm -f "$out"
}

echo "== load average before: $(cut -d' ' -f1-3 /proc/loadavg) (nproc $(nproc)); binary $(date -r "$BIN" '+%F %T')"
echo "== $ROUNDS rounds, alternating (client = veo-pipeline download, curl = curl -L -o)"
for round in $(seq 1 "$ROUNDS"); do
    if [ $((round % 2)) -eq 1 ]; then run_one client "$round"; run_one curl "$round"; run_one curl_sha256 "$round"
    else run_one curl_sha256 "$round"; run_one curl "$round"; run_one client "$round"; fi
done

echo "== load average after: $(cut -d' ' -f1-3 /proc/loadavg)"

# --- report ------------------------------------------------------------------------------------
set +e
python3 - "$RESULTS" "$SIZE_BYTES" <<'PY'
import statistics, sys
path, size = sys.argv[1], int(sys.argv[2])
rows = [line.rstrip("\n").split("\t") for line in open(path) if line.strip()]
mib = size / 1048576
print()
print(f"| round | tool | seconds | MiB/s | max RSS (MiB) | CPU | sha256 = source |")
print(f"| ---: | --- | ---: | ---: | ---: | ---: | --- |")
for tool, rnd, sec, rss, cpu, ok in sorted(rows, key=lambda r: (int(r[1]), r[0])):
    sec, rss = float(sec), int(rss)
    print(f"| {rnd} | {tool} | {sec:.3f} | {mib / sec:.1f} | {rss / 1024:.1f} | {cpu}% | {ok} |")
def pick(tool):
    rs = [r for r in rows if r[0] == tool]
    return statistics.median(float(r[2]) for r in rs), max(int(r[3]) for r in rs), statistics.median(int(r[3]) for r in rs)
c_sec, c_rss_max, c_rss_med = pick("client")
k_sec, k_rss_max, k_rss_med = pick("curl")
c_tp, k_tp = mib / c_sec, mib / k_sec
ratio = c_tp / k_tp
rss_bytes = c_rss_max * 1024
rss_ok, ratio_ok = rss_bytes < 64_000_000, ratio >= 0.8
sha_ok = all(r[5] == "yes" for r in rows)
print()
print(f"| median of {len(rows) // 3} | seconds | MiB/s | max RSS (MiB, median / worst) |")
print(f"| --- | ---: | ---: | ---: |")
print(f"| client | {c_sec:.3f} | {c_tp:.1f} | {c_rss_med / 1024:.1f} / {c_rss_max / 1024:.1f} |")
print(f"| curl | {k_sec:.3f} | {k_tp:.1f} | {k_rss_med / 1024:.1f} / {k_rss_max / 1024:.1f} |")
s_sec = pick("curl_sha256")[0]
print(f"| curl + sha256sum (informative) | {s_sec:.3f} | {mib / s_sec:.1f} | - |")
print()
print(f"throughput ratio client/curl = {ratio:.2f} (target >= 0.80): {'MET' if ratio_ok else 'MISSED'}")
print(f"  (the client also computes the sha256 the report needs; client vs curl + sha256sum = {(mib / c_sec) / (mib / s_sec):.2f})")
print(f"client peak RSS (worst round) = {rss_bytes / 1e6:.1f} MB = {c_rss_max / 1024:.1f} MiB (target < 64 MB): {'MET' if rss_ok else 'MISSED'}")
print(f"sha256 of every download equals the source: {'yes' if sha_ok else 'NO'}")
sys.exit(1 if not sha_ok else 0 if (rss_ok and ratio_ok) else 2)
PY
