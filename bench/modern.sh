#!/usr/bin/env bash
# Training speed of the modern examples (issue "The layers real CNNs use"):
# examples/modern_cnn_28x28.mlir (Conv-BN-ReLU, MaxPool, Dropout, GAP) and
# examples/mobilenet_28x28.mlir (depthwise-separable, BN, ReLU6): batch-32
# Adam training steps with bench/model_bench.c (images/s, GFLOP/s from the
# descriptor's FLOP count with training as 3x forward, fraction of the
# measured peak) and, when bench/.venv exists, the same models in PyTorch
# eager and Keras model.fit (bench/modern_frameworks.py) measured in the
# same run; ratios cnnc/framework. Shared machines are noisy: compare the
# ratios of one run.
#
#   bench/modern.sh [--threads N]     (default: all cores)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD="${CNNC_BUILD_DIR:-$ROOT/build}"
THREADS="$(nproc)"
while (($#)); do
  case "$1" in
    --threads) THREADS="$2"; shift 2 ;;
    --threads=*) THREADS="${1#*=}"; shift ;;
    *) echo "bench/modern.sh: unknown argument '$1'" >&2; exit 1 ;;
  esac
done
[[ "$THREADS" =~ ^[1-9][0-9]*$ ]] || { echo "bench/modern.sh: --threads must be a positive integer" >&2; exit 1; }

OUT="$(mktemp -d)"
trap 'rm -rf "$OUT"' EXIT
CC="${CC:-/usr/lib/llvm-22/bin/clang}"
"$CC" -O2 -I"$ROOT/include" "$ROOT/bench/model_bench.c" -ldl -o "$OUT/model_bench"
"$CC" -O2 -pthread "$ROOT/bench/peak.c" -o "$OUT/peak"
PEAK=$("$OUT/peak" "$THREADS" | awk -F': ' '$1 == "peak_gflops" {print $2}')
for name in modern mobilenet; do
  case $name in
    modern) model=modern_cnn_28x28 ;;
    mobilenet) model=mobilenet_28x28 ;;
  esac
  "$BUILD/bin/cnnc" "$ROOT/examples/$model.mlir" -o "$OUT/$name.so"
  "$OUT/model_bench" "$OUT/$name.so" --train-only --threads "$THREADS" \
    --peak-gflops "$PEAK" --prefix "cnnc_${name}_" >> "$OUT/figures.txt"
done
PY="$ROOT/bench/.venv/bin/python"
if [[ -x "$PY" ]]; then
  TF_CPP_MIN_LOG_LEVEL=3 OMP_NUM_THREADS="$THREADS" "$PY" \
    "$ROOT/bench/modern_frameworks.py" "$THREADS" \
    2> "$OUT/frameworks.log" >> "$OUT/figures.txt" ||
    { echo "frameworks: failed:"; tail -3 "$OUT/frameworks.log"; }
fi
python3 - "$OUT/figures.txt" "$THREADS" "$PEAK" <<'PY'
import sys
values = {}
for line in open(sys.argv[1]):
    key, _, value = line.partition(": ")
    try:
        values[key.strip()] = float(value)
    except ValueError:
        pass
print(f"{sys.argv[2]} thread(s), measured peak {float(sys.argv[3]):.0f} GFLOP/s")
print(f"{'train batch 32 (images/s)':28} {'cnnc':>8} {'torch':>8} {'x torch':>8} "
      f"{'keras':>8} {'x keras':>8} {'GFLOP/s':>8} {'of peak':>8}")
for name in ("modern", "mobilenet"):
    cnnc = values.get(f"cnnc_{name}_train_batch32_images_per_s", float("nan"))
    line = f"{name:28} {cnnc:8.0f}"
    for fw in ("torch", "keras"):
        other = values.get(f"{fw}_{name}_train_batch32_images_per_s")
        line += (f" {other:8.0f} {cnnc / other:8.2f}" if other
                 else f" {'-':>8} {'-':>8}")
    line += (f" {values.get(f'cnnc_{name}_train_batch32_gflops', float('nan')):8.1f}"
             f" {values.get(f'cnnc_{name}_train_batch32_fraction_of_peak', float('nan')):8.2f}")
    print(line)
print("raw figures:")
for line in open(sys.argv[1]):
    print("  " + line.rstrip())
PY
