#!/usr/bin/env bash
# Builds the runtime (libcnnrt, the support library) and the training
# library (cnnrt_train) with AddressSanitizer and UndefinedBehaviorSanitizer
# into build-asan and runs their GoogleTest suites there: every reader,
# checkpoint, fit and option test then also checks for out-of-bounds
# accesses, use after free, leaks, signed overflow and the other undefined
# behaviour UBSan catches. Any report fails the run.
#
#   scripts/sanitize.sh
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD="${CNNC_ASAN_BUILD_DIR:-$ROOT/build-asan}"
LLVM=/usr/lib/llvm-22
if [[ ! -f "$BUILD/build.ninja" ]]; then
  cmake -G Ninja -S "$ROOT" -B "$BUILD" -DCMAKE_BUILD_TYPE=Release \
    -DCMAKE_C_COMPILER="$LLVM/bin/clang" -DCMAKE_CXX_COMPILER="$LLVM/bin/clang++" \
    -DLLVM_USE_LINKER=lld -DLLVM_EXTERNAL_LIT="$LLVM/bin/lit" -DLLVM_USE_SANITIZER="Address;Undefined" \
    -DLLVM_UBSAN_FLAGS="-fsanitize=undefined -fno-sanitize=vptr,function -fno-sanitize-recover=all" \
    >/dev/null
fi
ninja -C "$BUILD" --quiet RuntimeTests TrainTests
export ASAN_OPTIONS="detect_leaks=1:abort_on_error=0${ASAN_OPTIONS:+:$ASAN_OPTIONS}"
export UBSAN_OPTIONS="print_stacktrace=1${UBSAN_OPTIONS:+:$UBSAN_OPTIONS}"
status=0
for suite in RuntimeTests TrainTests; do
  if "$BUILD/unittests/$suite" --gtest_brief=1 > "$BUILD/$suite.log" 2>&1; then
    passed=$(sed -n 's/^\[  PASSED  \] \([0-9]*\) tests\?\..*/\1/p' "$BUILD/$suite.log")
    echo "sanitize: $suite: ${passed:-?} tests passed under ASan + UBSan"
  else
    echo "sanitize: $suite FAILED under ASan + UBSan (log $BUILD/$suite.log):"
    grep -m 8 -E "ERROR: AddressSanitizer|runtime error|SUMMARY|FAILED|Failure" "$BUILD/$suite.log" || tail -8 "$BUILD/$suite.log"
    status=1
  fi
done
exit "$status"
