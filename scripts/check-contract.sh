#!/usr/bin/env bash
# Checks the emulator against schemas/veo-openapi.yaml with an independent tool, schemathesis:
# property-based requests generated from the schema (examples, coverage, fuzzing, stateful
# phases; all checks: status codes, content types, headers, response schemas, auth, negative
# data rejected, positive data accepted, unsupported methods).
#
# Usage: scripts/check-contract.sh            (after `swift build`; called by .ci/run)
# Env:   SCHEMATHESIS_VERSION (default 4.32.5), CONTRACT_MAX_EXAMPLES (default 30),
#        CONTRACT_SEED (fixed hypothesis seed), VEO_BINARY (default .build/debug/veo-pipeline),
#        SCHEMATHESIS_VENV (default ~/.cache/veo-pipeline/schemathesis-venv)
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
binary="${VEO_BINARY:-$root/.build/debug/veo-pipeline}"
schema="$root/schemas/veo-openapi.yaml"
version="${SCHEMATHESIS_VERSION:-4.32.5}"
venv="${SCHEMATHESIS_VENV:-${XDG_CACHE_HOME:-$HOME/.cache}/veo-pipeline/schemathesis-venv}"
max_examples="${CONTRACT_MAX_EXAMPLES:-30}"

[[ -x "$binary" ]] || { echo "check-contract: $binary not found; run 'swift build' first" >&2; exit 2; }

# 1. schemathesis, in its own virtualenv (pinned version).
if ! "$venv/bin/schemathesis" --version 2>/dev/null | grep -q "$version"; then
    echo "check-contract: installing schemathesis $version into $venv"
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check "schemathesis==$version"
fi

work="$(mktemp -d)"
emulator_pid=""
cleanup() {
    if [[ -n "$emulator_pid" ]] && kill -0 "$emulator_pid" 2>/dev/null; then
        kill -TERM "$emulator_pid" 2>/dev/null || true  # background jobs of a script ignore SIGINT
        for _ in $(seq 50); do kill -0 "$emulator_pid" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$emulator_pid" 2>/dev/null || true
    fi
    rm -rf "$work"
}
trap cleanup EXIT

# 2. The emulator on a free port, with a fixed API key so that wrong keys are rejected
#    (schemathesis checks that invalid credentials answer 401).
port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
key="sk-contract-$RANDOM$RANDOM"
"$binary" emulator --port "$port" --render-seconds 1 --api-key "$key" >"$work/emulator.log" 2>&1 &
emulator_pid=$!
for _ in $(seq 100); do
    grep -q "Emulator listening on" "$work/emulator.log" && break
    kill -0 "$emulator_pid" 2>/dev/null || { cat "$work/emulator.log" >&2; exit 1; }
    sleep 0.1
done
grep -q "Emulator listening on" "$work/emulator.log" || { echo "check-contract: emulator did not start" >&2; exit 1; }
base="http://127.0.0.1:$port"
echo "check-contract: emulator at $base"

# 3. A generation hook: the schema can say "binary" but not "PNG, JPEG or WebP bytes" (the
#    provider's rule, checked by magic bytes), so generated image parts get a PNG signature in
#    front of their random bytes. Everything else is generated from the schema untouched.
cat >"$work/veo_contract_hooks.py" <<'PY'
import schemathesis
from schemathesis.transport.serialization import Binary

PNG = b"\x89PNG\r\n\x1a\n"

def _is_image(data):
    return data.startswith(PNG) or data.startswith(b"\xff\xd8\xff") or (data[:4] == b"RIFF" and data[8:12] == b"WEBP")

def _image(value):
    if isinstance(value, tuple) and len(value) == 2:  # (media type, data) from encoding.contentType
        return (value[0], _image(value[1]))
    if isinstance(value, Binary):
        return value if _is_image(value.data) else Binary(PNG + value.data)
    if isinstance(value, (bytes, bytearray)):
        return value if _is_image(bytes(value)) else PNG + bytes(value)
    return value

from hypothesis import strategies as st

for _media_type, _magic in (("image/png", PNG), ("image/jpeg", b"\xff\xd8\xff"), ("image/webp", None)):
    if _magic is None:
        _strategy = st.binary(max_size=64).map(lambda b: b"RIFF" + len(b).to_bytes(4, "little") + b"WEBP" + b)
    else:
        _strategy = st.binary(max_size=64).map(lambda b, m=_magic: m + b)
    schemathesis.openapi.media_type(_media_type, _strategy)

# negative_data_rejection, minus multipart bodies. Every multipart part is text on the wire, so a
# negative case that "changes the type" of a field (prompt: -61858) arrives as the valid text
# "-61858" and is rightly accepted; schemathesis 4.32.5 then reports ST201 (seen in the stateful
# phase, depending on the seed). JSON bodies keep the full check; the emulator's multipart rules
# are covered by Tests/VeoEmulatorTests (ValidationTests).
from schemathesis.specs.openapi.checks import negative_data_rejection as _negative_data_rejection

@schemathesis.check
def negative_data_rejection_except_multipart(ctx, response, case):
    if (case.media_type or "").startswith("multipart/"):
        return None
    return _negative_data_rejection(ctx, response, case)

@schemathesis.hook
def map_body(context, body):
    if isinstance(body, dict) and "input_reference" in body:
        refs = body["input_reference"]
        body["input_reference"] = [_image(v) for v in refs] if isinstance(refs, list) else _image(refs)
    return body
PY

# 4. Run it. positive_data_acceptance is excluded for now: with multipart bodies schemathesis
#    (4.32.5) sends forms whose `model` and `prompt` parts are empty strings and calls them
#    schema-valid, although the schema's enum and minLength reject them (seen as ST202 on
#    POST /v1/videos multipart in the coverage and stateful phases). negative_data_rejection is
#    replaced by the hook's negative_data_rejection_except_multipart (see there). Every other check
#    runs: response schemas, headers, auth and methods.
seed_args=()
[[ -n "${CONTRACT_SEED:-}" ]] && seed_args=(--seed "$CONTRACT_SEED")
status=0
cd "$work"   # schemathesis and hypothesis write caches into the working directory
PYTHONPATH="$work${PYTHONPATH:+:$PYTHONPATH}" SCHEMATHESIS_HOOKS=veo_contract_hooks \
    timeout 170 "$venv/bin/schemathesis" run "$schema" \
    --url "$base" \
    --header "Authorization: Bearer $key" \
    --checks all \
    --exclude-checks positive_data_acceptance,negative_data_rejection \
    --max-examples "$max_examples" \
    --request-timeout 15 \
    --workers 2 \
    --no-color \
    --generation-database none \
    "${seed_args[@]}" || status=$?

if [[ $status -ne 0 ]]; then
    echo "check-contract: FAILED (schemathesis exit $status); emulator log:" >&2
    tail -20 "$work/emulator.log" >&2
    exit 1
fi
echo "check-contract: OK"
