#!/usr/bin/env bash
# The test command (README and CI): installs what is missing, builds with warnings as errors,
# checks the manifest schema and the API contract with independent tools, runs the Swift tests.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh --test

echo "==> swift build --build-tests (warnings are errors)"
swift build --build-tests -Xswiftc -warnings-as-errors

echo "==> no function in Sources longer than about 60 lines"
python3 scripts/lint/function_lengths.py --limit 65 Sources

echo "==> the example CI workflows against GitHub's and GitLab's schemas"
check-jsonschema --builtin-schema vendor.github-workflows examples/ci/github-actions.yml
check-jsonschema --builtin-schema vendor.gitlab-ci examples/ci/gitlab-ci.yml

echo "==> manifest schema: check-jsonschema and veo-pipeline validate on every example and fixture"
bash scripts/check-schemas.sh

echo "==> API contract: schemathesis against the emulator"
bash scripts/check-contract.sh

echo "==> swift test"
# One test at a time: the end-to-end and loopback tests time real servers and subprocesses, and on
# a 2-core machine running them all at once starves the emulators they talk to.
swift test --skip-build --no-parallel
