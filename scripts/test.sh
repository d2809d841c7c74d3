#!/usr/bin/env bash
# Sets up cnnc (scripts/setup.sh) and runs the whole test suite: lit IR and
# driver tests, end-to-end tests and the GoogleTest binaries, in one lit run.
# Ends with one line "tests: N passed, N failed, N skipped" and exits non-zero
# when any test fails.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD="${CNNC_BUILD_DIR:-$ROOT/build}"
"$ROOT/scripts/setup.sh"

log="$BUILD/test-results.txt"
rc=0
/usr/lib/llvm-22/bin/lit -sv --time-tests -j "$(nproc)" \
  "$BUILD/test" "$BUILD/test/Unit" 2>&1 | tee "$log" || rc=$?

# lit's own summary ("  Passed : 12", "  Skipped: 1", ...) as one line.
python3 - "$log" <<'PY'
import re, sys
counts = {}
for line in open(sys.argv[1], errors="replace"):
    m = re.match(r"\s+([A-Za-z ]+?)\s*:\s*(\d+) \(", line)
    if m:
        counts[m.group(1)] = int(m.group(2))
get = lambda *names: sum(counts.get(n, 0) for n in names)
passed = get("Passed", "Expectedly Failed")
failed = get("Failed", "Unexpectedly Passed", "Unresolved", "Timed Out")
skipped = get("Skipped", "Unsupported", "Excluded")
print(f"tests: {passed} passed, {failed} failed, {skipped} skipped")
PY
exit "$rc"
