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

# The Swift tests in two steps; together they run every test exactly once (`--skip` and `--filter`
# take the same pattern over test ids, `Module.Suite/test()`).
# - Every suite that shares nothing (no fixed port, path, environment or working directory; the
#   runner's scheduling runs on a test clock): in parallel, Swift Testing's default.
# - The built binary against the emulator over loopback, and the suites that time a live emulator
#   in real seconds: one test at a time, since on a 2-core machine running them all at once starves
#   the emulators they talk to.
SERIAL='^EndToEndTests\.|^APIClientTests\.EmulatorLoopbackTests|^VeoEmulatorTests\.RealismTests'
echo "==> swift test: the suites without shared state, in parallel"
swift test --skip-build --skip "$SERIAL"
echo "==> swift test: end-to-end and live-emulator timing suites, one test at a time"
swift test --skip-build --no-parallel --filter "$SERIAL"
