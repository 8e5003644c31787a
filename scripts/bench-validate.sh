#!/usr/bin/env bash
# Validate benchmark (issue 2 §7): `veo-pipeline validate` (release build: parse, check, plan) on a
# generated 10,000-shot manifest, beside PyYAML's C loader (CSafeLoader, parse only) and a bare
# libyaml event scan (cc -O2 -lyaml), in one run, as ratios, with peak memory.
# Targets: validate <= 0.5 x CSafeLoader time and <= 2 x the bare libyaml scan.
#
# Usage: scripts/bench-validate.sh [SHOTS] [REPEAT] [PAIRS]   (defaults: 10000 shots, 5 repeats, 0 pairs)
# REPEAT rounds run validate, CSafeLoader and the scan in turns; PAIRS > 0 then also runs validate
# and the scan back to back PAIRS times and reports the spread of the per-pair ratio
# (scripts/bench/validate_pairs.py).
# Needs: swift, cc, libyaml-dev, python3 with PyYAML built against libyaml, /usr/bin/time.
# Brings the release build (scripts/build-release.sh, in .build-static/) up to date first;
# set VEO_BIN to use another binary.
set -euo pipefail
cd "$(dirname "$0")/.."
SHOTS="${1:-10000}"
REPEAT="${2:-5}"
PAIRS="${3:-0}"
WORK="$(mktemp -d /tmp/veo-bench-validate.XXXXXX)"
trap 'rm -rf "$WORK"' EXIT

BIN="${VEO_BIN:-.build-static/release/veo-pipeline}"
if [ -z "${VEO_BIN:-}" ]; then  # always bring the release build up to date (fast when it is)
  echo "== release build: scripts/build-release.sh (static Swift runtime, non-PIE; the first build takes ~8 minutes)"
  bash scripts/build-release.sh >/dev/null
fi
[ -x /usr/bin/time ] || { echo "needs /usr/bin/time (apt-get install -y time)"; exit 1; }
python3 -c 'import yaml; assert yaml.__with_libyaml__, "PyYAML without libyaml"; yaml.CSafeLoader' \
  || { echo "needs PyYAML with its C loader (apt-get install -y python3-yaml)"; exit 1; }

echo "== machine: $(nproc) cores, $(free -g | awk '/^Mem:/{print $2}') GiB RAM, $(uname -m)," \
  "load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "== $(swift --version 2>/dev/null | head -1)"
echo "== $($BIN --version 2>/dev/null || true) ($BIN)"
cc -O2 -o "$WORK/yaml_scan" scripts/bench/yaml_scan.c -lyaml
echo "== generating a $SHOTS-shot manifest"
MANIFEST="$(python3 scripts/bench/gen_manifest.py validate "$WORK" "$SHOTS")"
python3 scripts/bench/validate_bench.py "$BIN" "$WORK/yaml_scan" "$MANIFEST" "$REPEAT"
if [ "$PAIRS" -gt 0 ]; then
  python3 scripts/bench/validate_pairs.py "$BIN" "$WORK/yaml_scan" "$MANIFEST" "$PAIRS"
fi
