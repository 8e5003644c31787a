#!/usr/bin/env bash
# Keeps schemas/pipeline.schema.json honest against the real validator (`veo-pipeline validate`):
#   - every manifest in pipelines/ and every valid fixture passes both the schema and validate;
#   - every invalid fixture fails validate (exit 65) and fails the schema too, except the fixtures
#     named invalid/semantic-*.yaml: rules JSON Schema cannot express (files on disk, cycles,
#     ${variables}, ids that must exist or be unique...). Those must PASS the schema (a schema that
#     rejected them would be rejecting for the wrong reason) and fail validate.
# The schema is checked by an independent validator, check-jsonschema (PyPI), installed if missing.
# Run after `swift build`; called by .ci/run. Exit status: 0 when everything passes.
set -uo pipefail
cd "$(dirname "$0")/.."

SCHEMA=schemas/pipeline.schema.json
FIXTURES=Tests/VeoManifestTests/Fixtures
BIN=${VEO_PIPELINE:-.build/debug/veo-pipeline}

if command -v check-jsonschema >/dev/null 2>&1; then
    CHECK=(check-jsonschema)
else
    echo "check-jsonschema not found; installing it from PyPI (pip install check-jsonschema)"
    python3 -m pip install --quiet check-jsonschema || { echo "error: could not install check-jsonschema" >&2; exit 2; }
    CHECK=(python3 -m check_jsonschema)
fi
if [ ! -x "$BIN" ]; then
    echo "error: $BIN not found; build first (swift build)" >&2
    exit 2
fi

passed=0
failed=0
pass() { passed=$((passed + 1)); echo "ok    $1"; }
fail() { failed=$((failed + 1)); echo "FAIL  $1"; [ -n "${2:-}" ] && sed 's/^/      /' <<<"$2"; }

# The schema itself must be a valid 2020-12 schema.
if out=$("${CHECK[@]}" --check-metaschema "$SCHEMA" 2>&1); then pass "$SCHEMA is a valid JSON Schema"; else fail "$SCHEMA is not a valid JSON Schema" "$out"; fi

schema() { "${CHECK[@]}" --schemafile "$SCHEMA" "$1" 2>&1; }
validate() { "$BIN" validate "$1" 2>&1; }

shopt -s nullglob
for file in pipelines/*.yaml "$FIXTURES"/valid/*.yaml; do
    if out=$(schema "$file"); then pass "schema accepts $file"; else fail "schema rejects valid $file" "$out"; fi
    if out=$(validate "$file"); then pass "validate accepts $file"; else fail "validate rejects valid $file (exit $?)" "$out"; fi
done

for file in "$FIXTURES"/invalid/*.yaml; do
    out=$(validate "$file")
    status=$?
    if [ "$status" -eq 65 ]; then pass "validate rejects $file"; else fail "validate: $file exits $status, expected 65" "$out"; fi
    case "$(basename "$file")" in
        semantic-*)
            if out=$(schema "$file"); then pass "schema accepts $file (not expressible in JSON Schema)"
            else fail "schema rejects $file, which only validate can judge (the schema is too strict)" "$out"; fi ;;
        *)
            if schema "$file" >/dev/null; then fail "schema accepts invalid $file"; else pass "schema rejects $file"; fi ;;
    esac
done

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
