#!/usr/bin/env bash
# README command (1): set up cnnc and run the main job: compile the reference
# CNN to a shared library, train it on Fashion-MNIST (4 epochs, batch 32,
# Adam, lr 1e-3) with cnnc-train, validating on the test set as the seed's
# validation_data=(test_images, test_labels), report test accuracy and the
# per-class report, then link the library into the example C apps: classify
# test images, and classify PNG files of test images by class name.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD="${CNNC_BUILD_DIR:-$ROOT/build}"
OUT="${CNNC_OUT_DIR:-$ROOT/out}"
EPOCHS="${CNNC_EPOCHS:-4}"
"$ROOT/scripts/setup.sh"
mkdir -p "$OUT"

echo "== cnnc: compile the reference CNN"
"$BUILD/bin/cnnc" --summary "$ROOT/examples/fashion_mnist_cnn.mlir" \
  -o "$OUT/libfashion_mnist_cnn.so" --emit-header "$OUT/fashion_mnist_cnn.h"

if [[ -x "$BUILD/bin/cnnc-train" ]]; then
  echo "== cnnc-train: fit on Fashion-MNIST"
  "$BUILD/bin/cnnc-train" "$OUT/libfashion_mnist_cnn.so" --data fashion-mnist \
    --epochs "$EPOCHS" --batch 32 --lr 1e-3 --seed 1 \
    --validation-data test --checkpoint "$OUT/fashion_mnist_cnn.ckpt" \
    --history "$OUT/history.csv" --plots "$OUT/plots" \
    --report "$OUT/report.csv" --save-weights "$OUT/fashion_mnist_cnn.weights"
fi

echo "== classify: the generated library linked into a C app"
"${CC:-/usr/lib/llvm-22/bin/clang}" -std=c11 -O2 \
  "$ROOT/examples/classify/classify.c" -I"$ROOT/include" -I"$OUT" \
  -L"$OUT" -lfashion_mnist_cnn -L"$BUILD/lib" -lcnnrt \
  -Wl,-rpath,"$OUT:$BUILD/lib" -lm -o "$OUT/classify"
WEIGHTS=()
[[ -f "$OUT/fashion_mnist_cnn.weights" ]] && WEIGHTS=(--weights "$OUT/fashion_mnist_cnn.weights")
"$OUT/classify" --count 10 "${WEIGHTS[@]}"

if [[ -x "$BUILD/unittests/cnnrt-make-images" ]]; then
  echo "== classify_image: PNG files classified by the linked library"
  rm -rf "$OUT/images"
  "$BUILD/unittests/cnnrt-make-images" fashion-mnist "$OUT/images" 5
  printf '%s\n' T-shirt/top Trouser Pullover Dress Coat Sandal Shirt \
    Sneaker Bag "Ankle boot" > "$OUT/class_names.txt"
  "${CC:-/usr/lib/llvm-22/bin/clang}" -std=c11 -O2 \
    "$ROOT/examples/classify_image/classify_image.c" -I"$ROOT/include" \
    -I"$OUT" -L"$OUT" -lfashion_mnist_cnn -L"$BUILD/lib" -lcnnrt \
    -Wl,-rpath,"$OUT:$BUILD/lib" -lm -o "$OUT/classify_image"
  "$OUT/classify_image" "${WEIGHTS[@]}" --class-names "$OUT/class_names.txt" \
    "$OUT"/images/*/*.png
fi
