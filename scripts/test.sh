#!/usr/bin/env bash
# Sets up cnnc (scripts/setup.sh) and runs the whole test suite: lit IR and
# driver tests, end-to-end tests and the GoogleTest binaries, in one lit run.
# Ends with one line "tests: N passed, N failed, N skipped" and exits non-zero
# when any test fails.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD="${CNNC_BUILD_DIR:-$ROOT/build}"
"$ROOT/scripts/setup.sh"

report="$BUILD/test-results.json"
rc=0
/usr/lib/llvm-22/bin/lit -sv --time-tests -j "$(nproc)" --output "$report" \
  "$BUILD/test" "$BUILD/test/Unit" || rc=$?

python3 - "$report" <<'PY'
import json, sys
results = json.load(open(sys.argv[1]))["tests"]
count = lambda codes: sum(r["code"] in codes for r in results)
passed = count({"PASS", "XFAIL"})
failed = count({"FAIL", "XPASS", "UNRESOLVED", "TIMEOUT"})
skipped = count({"UNSUPPORTED", "SKIPPED", "EXCLUDED"})
print(f"tests: {passed} passed, {failed} failed, {skipped} skipped")
PY
exit "$rc"
