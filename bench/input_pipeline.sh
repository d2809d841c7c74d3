#!/usr/bin/env bash
# Training images/s from a folder of PNG files with augmentation (decoded
# once and cached by libcnnrt, augmented by the producer thread) against
# the same images from the IDX arrays in memory, on the reference CNN at
# batch 32 (bench/input_pipeline.c). The target: the folder run reaches at
# least 90% of the in-memory rate.
#
#   bench/input_pipeline.sh [--images N] [--epochs E] [--rounds R] [--threads T]
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD="${CNNC_BUILD_DIR:-$ROOT/build}"
DATA="${CNNC_FASHION_MNIST_DIR:-/usr/share/datasets/fashion-mnist}"
IMAGES=10000 EPOCHS=1 ROUNDS=5 THREADS="$(nproc)"
while (($#)); do
  case "$1" in
    --images) IMAGES="$2"; shift 2 ;;
    --epochs) EPOCHS="$2"; shift 2 ;;
    --rounds) ROUNDS="$2"; shift 2 ;;
    --threads) THREADS="$2"; shift 2 ;;
    *) echo "bench/input_pipeline.sh: unknown argument '$1'" >&2; exit 1 ;;
  esac
done
[[ -x "$BUILD/unittests/cnnrt-make-images" && -x "$BUILD/bin/cnnc" ]] || {
  echo "bench/input_pipeline.sh: build cnnc first (scripts/setup.sh)" >&2; exit 1; }

OUT="$(mktemp -d)"
trap 'rm -rf "$OUT"' EXIT
CC="${CC:-/usr/lib/llvm-22/bin/clang}"
"$CC" -std=c11 -O2 -I"$ROOT/include" "$ROOT/bench/input_pipeline.c" \
  "$BUILD/lib/libcnnrt_train.a" -L"$BUILD/lib" -lcnnrt -Wl,-rpath,"$BUILD/lib" \
  -lz -lm -pthread -o "$OUT/input_pipeline"
"$BUILD/bin/cnnc" "$ROOT/examples/fashion_mnist_cnn.mlir" -o "$OUT/model.so"
# The Fashion-MNIST test images as PNG files in class folders.
"$BUILD/unittests/cnnrt-make-images" fashion-mnist "$OUT/folder" "$IMAGES"
CNNC_NUM_THREADS="$THREADS" "$OUT/input_pipeline" "$OUT/model.so" \
  "$OUT/folder" "$DATA/t10k-images-idx3-ubyte.gz" \
  "$DATA/t10k-labels-idx1-ubyte.gz" "$IMAGES" --epochs "$EPOCHS" \
  --rounds "$ROUNDS" | tee "$OUT/result.txt"
awk -F': ' '$1 == "folder_over_memory" { median = $2 }
  $1 == "folder_over_memory_best" { best = $2 }
  $1 == "folder_input_share" { wait = $2 }
  END { printf "folder with augmentation / memory: %.1f%% (best rounds), " \
               "%.1f%% (medians), target >= 90%%; training thread waiting " \
               "for batches %.1f%% of the time\n", 100 * best, 100 * median, \
               100 * wait }' "$OUT/result.txt"
