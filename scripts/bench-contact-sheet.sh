#!/usr/bin/env bash
# Contact sheet benchmark (issue 11): writing index.html for 1,000 jobs (thumbnails already made)
# and the page becoming interactive in headless Chromium. Usage: scripts/bench-contact-sheet.sh [JOBS] [ROUNDS]
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh --test >/dev/null
bin="${VEO_BIN:-}"
if [[ -z "$bin" ]]; then bash scripts/build-release.sh >/dev/null; bin=.build-static/release/veo-pipeline; fi
echo "== machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "== $("$bin" --version) ($bin)"
python3 scripts/bench/contact_sheet_bench.py "$bin" "${1:-1000}" "${2:-7}"
