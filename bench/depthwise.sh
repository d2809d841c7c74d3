#!/usr/bin/env bash
# Depthwise convolution speed (docs/performance.md, "Depthwise
# convolution"): the MobileNet block of bench/mobilenet_block.mlir compiled
# with cnn-vectorize-depthwise (`kernel_`) and without it (`naive_`:
# --disable=vectorize-depthwise, the linalg lowering through the generic
# loops), batch-32 forward and batch-32 Adam training steps with
# bench/model_bench.c (GFLOP/s from the descriptor's FLOP count, training
# counted as 3x forward), and PyTorch eager on the same block when
# bench/.venv exists (`torch_`). Shared machines are noisy: compare ratios
# of one run.
#
#   bench/depthwise.sh [--threads N]     (default: all cores)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD="${CNNC_BUILD_DIR:-$ROOT/build}"
THREADS="$(nproc)"
while (($#)); do
  case "$1" in
    --threads) THREADS="$2"; shift 2 ;;
    --threads=*) THREADS="${1#*=}"; shift ;;
    *) echo "bench/depthwise.sh: unknown argument '$1'" >&2; exit 1 ;;
  esac
done
[[ "$THREADS" =~ ^[1-9][0-9]*$ ]] || { echo "bench/depthwise.sh: --threads must be a positive integer" >&2; exit 1; }

OUT="$(mktemp -d)"
trap 'rm -rf "$OUT"' EXIT
CC="${CC:-/usr/lib/llvm-22/bin/clang}"
"$CC" -O2 -I"$ROOT/include" "$ROOT/bench/model_bench.c" -ldl -o "$OUT/model_bench"
MODEL="$ROOT/bench/mobilenet_block.mlir"
"$BUILD/bin/cnnc" "$MODEL" -o "$OUT/kernel.so"
"$BUILD/bin/cnnc" "$MODEL" --disable=vectorize-depthwise -o "$OUT/naive.so"
for variant in naive kernel; do
  "$OUT/model_bench" "$OUT/$variant.so" --batch 32 --threads "$THREADS" \
    --prefix "${variant}_" | grep -E "batch32_|train_batch32_"
done
if [[ -x "$ROOT/bench/.venv/bin/python" ]] &&
   "$ROOT/bench/.venv/bin/python" -c "import torch" 2>/dev/null; then
  "$ROOT/bench/.venv/bin/python" "$ROOT/bench/depthwise_torch.py" "$THREADS"
fi
