#!/usr/bin/env bash
# Installs what veo-pipeline needs beyond Swift: libyaml (build), ffmpeg/ffprobe (frames and clip
# checks, and the emulator's clips). With --test, also the Python tools the tests use
# (check-jsonschema, junitparser, cmarkgfm, Chromium and Playwright). With --bench, also what the benchmarks compare
# against (the openai Python SDK and PyYAML, for scripts/bench/bench_openai_sdk.py); the tests do not
# need it. Installs only what is missing. Debian/Ubuntu (apt-get); uses sudo when not root.
set -euo pipefail

want_test_tools=0
want_bench_tools=0
for arg in "$@"; do
  case "$arg" in
    --test) want_test_tools=1 ;;
    --bench) want_bench_tools=1 ;;
    *) echo "usage: $0 [--test] [--bench]" >&2; exit 64 ;;
  esac
done

as_root() {
  if [[ $(id -u) -eq 0 ]]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else
    echo "error: need root (or sudo) to run: $*" >&2; exit 1; fi
}

packages=()
pkg-config --exists yaml-0.1 2>/dev/null || packages+=(libyaml-dev)
command -v ffmpeg >/dev/null && command -v ffprobe >/dev/null || packages+=(ffmpeg)
# The tests open the contact sheet in a real browser: Debian's Chromium (Playwright drives it).
((want_test_tools)) && ! command -v chromium >/dev/null && packages+=(chromium)
# The shared cache tests serve Bazel's HTTP cache layout with nginx's WebDAV module.
((want_test_tools)) && ! command -v nginx >/dev/null && [[ ! -x /usr/sbin/nginx ]] && packages+=(nginx)
if ((${#packages[@]})); then
  echo "==> installing ${packages[*]} (apt-get)"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${packages[@]}" >/dev/null
fi

if ((want_test_tools)); then
  if ! command -v check-jsonschema >/dev/null; then
    echo "==> installing check-jsonschema (pip)"
    python3 -m pip install --quiet --disable-pip-version-check check-jsonschema
  fi
  # An independent JUnit reader checks the JUnit files the tool writes.
  if ! python3 -c "import junitparser" 2>/dev/null; then
    echo "==> installing junitparser (pip)"
    python3 -m pip install --quiet --disable-pip-version-check junitparser
  fi
  # GitHub's own Markdown (cmark-gfm) renders the step summaries the tool writes in the tests.
  if ! python3 -c "import cmarkgfm" 2>/dev/null; then
    echo "==> installing cmarkgfm (pip)"
    python3 -m pip install --quiet --disable-pip-version-check cmarkgfm
  fi
  # The shared cache tests run S3 as moto in server mode (signatures checked).
  if ! command -v moto_server >/dev/null; then
    echo "==> installing moto[server] (pip)"
    python3 -m pip install --quiet --disable-pip-version-check "moto[server]"
  fi
  # Playwright for Python drives the system Chromium (its own browser download is never used).
  if ! python3 -c "import playwright" 2>/dev/null; then
    echo "==> installing playwright (pip)"
    python3 -m pip install --quiet --disable-pip-version-check playwright
  fi
fi

if ((want_bench_tools)); then
  # The side-by-side script of scripts/bench-polling.sh and scripts/bench-run.sh.
  if ! python3 -c "import openai, yaml" 2>/dev/null; then
    echo "==> installing openai and PyYAML (pip, for the benchmarks)"
    python3 -m pip install --quiet --disable-pip-version-check openai pyyaml
  fi
fi
