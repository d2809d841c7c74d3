#!/usr/bin/env bash
# Builds the libFuzzer targets of fuzz/ with AddressSanitizer and
# UndefinedBehaviorSanitizer (the project's own code instrumented) into
# build-fuzz and runs each one for a while on a seed corpus of real inputs:
#   cnnc-model-fuzzer    the cnn front end (parse, verify, shape inference,
#                        model analysis, FLOP count); seeds: examples/ and
#                        the dialect's lit tests
#   cnnc-data-fuzzer     IDX, CIFAR-10, parameter and checkpoint readers;
#                        seeds: real Fashion-MNIST files and valid files of
#                        every kind written by the target itself
#   cnnc-options-fuzzer  cnnc-train's command line; seeds: typical commands
# A crash, a sanitizer report or a leak fails the run (exit 1) and leaves the
# input in build-fuzz/crashes/. Prints one line per target with its
# executions.
#
#   scripts/fuzz.sh [--seconds N] [target...]    (default 20 s per target)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD="${CNNC_FUZZ_BUILD_DIR:-$ROOT/build-fuzz}"
LLVM=/usr/lib/llvm-22
SECONDS_EACH=20
TARGETS=()
while (($#)); do
  case "$1" in
    --seconds) SECONDS_EACH="$2"; shift 2 ;;
    --seconds=*) SECONDS_EACH="${1#*=}"; shift ;;
    -*) echo "fuzz.sh: unknown option '$1'" >&2; exit 1 ;;
    *) TARGETS+=("$1"); shift ;;
  esac
done
[[ "$SECONDS_EACH" =~ ^[1-9][0-9]*$ ]] ||
  { echo "fuzz.sh: --seconds must be a positive integer" >&2; exit 1; }
((${#TARGETS[@]})) || TARGETS=(cnnc-model-fuzzer cnnc-data-fuzzer cnnc-options-fuzzer)

# LLVM's own sanitizer options (HandleLLVMOptions): ASan + UBSan on every
# target of the project, coverage instrumentation for libFuzzer.
if [[ ! -f "$BUILD/build.ninja" ]]; then
  cmake -G Ninja -S "$ROOT" -B "$BUILD" -DCMAKE_BUILD_TYPE=Release \
    -DCMAKE_C_COMPILER="$LLVM/bin/clang" -DCMAKE_CXX_COMPILER="$LLVM/bin/clang++" \
    -DLLVM_USE_LINKER=lld -DLLVM_EXTERNAL_LIT="$LLVM/bin/lit" -DCNNC_FUZZERS=ON \
    -DLLVM_USE_SANITIZER="Address;Undefined" \
    -DLLVM_UBSAN_FLAGS="-fsanitize=undefined -fno-sanitize=vptr,function -fno-sanitize-recover=all" \
    -DLLVM_USE_SANITIZE_COVERAGE=ON >/dev/null
fi
ninja -C "$BUILD" --quiet "${TARGETS[@]}"

CORPUS="$BUILD/corpus"
CRASHES="$BUILD/crashes"
mkdir -p "$CRASHES"
seeds_for() {
  local target="$1" dir="$CORPUS/$1"
  mkdir -p "$dir"
  case "$target" in
    cnnc-model-fuzzer)
      cp "$ROOT"/examples/*.mlir "$ROOT"/test/Dialect/CNN/*.mlir "$dir"/ ;;
    cnnc-data-fuzzer)
      local fm=/usr/share/datasets/fashion-mnist
      if [[ -f "$fm/t10k-labels-idx1-ubyte.gz" ]]; then
        { printf '\001'; cat "$fm/t10k-labels-idx1-ubyte.gz"; } > "$dir/fashion-labels.gz"
        { printf '\001'; gzip -dc "$fm/t10k-labels-idx1-ubyte.gz"; } > "$dir/fashion-labels"
        { printf '\000'; gzip -dc "$fm/t10k-images-idx3-ubyte.gz" | head -c 4000 || true; } > "$dir/fashion-images-prefix"
      fi ;;
    cnnc-options-fuzzer)
      printf 'fit\0m.so\0--epochs\0004\0--batch\00032\0--lr\0001e-3' > "$dir/fit"
      printf 'm.so\0--validation-split=0.1\0--checkpoint\0c.ckpt\0--max-steps\0009223372036854775807' > "$dir/split"
      printf 'predict\0m.so\0--checkpoint\0c\0--count\0003\0--device=cuda' > "$dir/predict"
      printf 'evaluate\0m.so\0--test-subset\00010\0--plots\0d\0--plot-format=svg' > "$dir/evaluate" ;;
  esac
}

# libMLIR is not instrumented, but the LLVM headers our instrumented code
# inlines poison allocator memory it then writes: user poisoning off.
export ASAN_OPTIONS="allow_user_poisoning=0:detect_leaks=1${ASAN_OPTIONS:+:$ASAN_OPTIONS}"
status=0
for target in "${TARGETS[@]}"; do
  seeds_for "$target"
  log="$BUILD/$target.log"
  if CNNC_FUZZ_SEED_DIR="$CORPUS/$target" "$BUILD/bin/$target" \
      -max_total_time="$SECONDS_EACH" -timeout=10 -rss_limit_mb=2048 \
      -print_final_stats=1 -artifact_prefix="$CRASHES/$target-" \
      "$CORPUS/$target" > "$log" 2>&1; then
    runs=$(awk '/stat::number_of_executed_units/ {print $2}' "$log")
    echo "fuzz: $target: ${runs:-?} executions in ${SECONDS_EACH} s, no failure"
  else
    echo "fuzz: $target FAILED (input in $CRASHES/, log $log):"
    grep -m 5 -E "ERROR|SUMMARY|runtime error" "$log" || tail -5 "$log"
    status=1
  fi
done
exit "$status"
