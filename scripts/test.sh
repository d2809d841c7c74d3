#!/usr/bin/env bash
# Sets up cnnc (scripts/setup.sh) and runs the whole test suite: lit IR and
# driver tests, end-to-end tests and the GoogleTest binaries, in one lit run;
# then the runtime's and the training library's tests under ASan + UBSan
# (scripts/sanitize.sh) and a short run of every libFuzzer target
# (scripts/fuzz.sh, $CNNC_FUZZ_SECONDS each, default 20). Ends with one line
# "tests: N passed, N failed, N skipped" and exits non-zero when any test,
# sanitizer report or fuzzer finding fails.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD="${CNNC_BUILD_DIR:-$ROOT/build}"
"$ROOT/scripts/setup.sh"

log="$BUILD/test-results.txt"
rc=0
/usr/lib/llvm-22/bin/lit -sv --time-tests -j "$(nproc)" \
  "$BUILD/test" "$BUILD/test/Unit" 2>&1 | tee "$log" || rc=$?

sanitizers=passed
bash "$ROOT/scripts/sanitize.sh" || { sanitizers=FAILED; rc=1; }
fuzzing=passed
bash "$ROOT/scripts/fuzz.sh" --seconds "${CNNC_FUZZ_SECONDS:-20}" ||
  { fuzzing=FAILED; rc=1; }

# lit's own summary ("  Passed : 12", "  Skipped: 1", ...) as one line.
python3 - "$log" "$sanitizers" "$fuzzing" <<'PY'
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
print(f"tests: {passed} passed, {failed} failed, {skipped} skipped; "
      f"sanitizers {sys.argv[2]}, fuzzing {sys.argv[3]}")
PY
exit "$rc"
