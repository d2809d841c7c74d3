#!/usr/bin/env bash
# Sets up cnnc (scripts/setup.sh) and runs the whole test suite: lit IR and
# driver tests, end-to-end tests and the GoogleTest binaries, in one lit run;
# then the runtime's and the training library's tests under ASan + UBSan
# (scripts/sanitize.sh) and a short run of every libFuzzer target
# (scripts/fuzz.sh, $CNNC_FUZZ_SECONDS each, default 20), and a dry run of
# the GPU device kit on the CPU (scripts/gpu-carry.sh, then
# scripts/gpu-device-check.sh --cpu-dry-run). Ends with one line
# "tests: N passed, N failed, N skipped; ..." and exits non-zero when any
# test, sanitizer report, fuzzer finding or kit check fails.
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
# The GPU device kit (docs/gpu-device-runs.md) is only run on a lent GPU;
# stage it and dry-run it on the CPU libraries here, so that it cannot rot
# between such sessions (a bench program or a library dependency it lacks).
gpukit=passed
kitlog="$BUILD/gpu-kit.log"
if bash "$ROOT/scripts/gpu-carry.sh" > "$kitlog" 2>&1 &&
  OUT="$BUILD/gpu-kit-out" bash "$ROOT/scripts/gpu-device-check.sh" \
    --cpu-dry-run --epochs 1 --skip-bench --budget 300 >> "$kitlog" 2>&1 &&
  grep -q "^parity: 10 of 10 passed" "$BUILD/gpu-kit-out/summary.txt" &&
  grep -q "^train: ok" "$BUILD/gpu-kit-out/summary.txt" &&
  grep -q "^prefetch: identical" "$BUILD/gpu-kit-out/summary.txt"; then
  echo "gpu kit: staged and dry-run on the CPU libraries"
else
  gpukit=FAILED
  rc=1
  tail -n 20 "$kitlog"
  cat "$BUILD/gpu-kit-out/summary.txt" 2>/dev/null | tail -n 12 || true
fi

# lit's own summary ("  Passed : 12", "  Skipped: 1", ...) as one line.
python3 - "$log" "$sanitizers" "$fuzzing" "$gpukit" <<'PY'
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
      f"sanitizers {sys.argv[2]}, fuzzing {sys.argv[3]}, "
      f"GPU kit dry run {sys.argv[4]}")
PY
exit "$rc"
