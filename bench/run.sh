#!/usr/bin/env bash
# cnnc benchmarks, with the reference frameworks measured in the same run on
# the same machine and the same thread count:
#   - compile time of the reference model (training included), median of 5;
#   - training images/s at batch 32 on 28x28x1 and 32x32x3 (median windows);
#   - batch-1 inference latency p50/p90 on one thread, batch-256 throughput;
#   - fraction of the measured peak FP32 FLOP/s (bench/peak.c) at the same
#     thread count;
#   - every ratio cnnc/framework (for latency: framework/cnnc, so > 1 means
#     cnnc is faster everywhere).
# Frameworks come from bench/.venv (bench/setup-frameworks.sh); without them
# only cnnc's figures are printed. Machines are shared and noisy: every
# figure is a median, compare ratios rather than single times.
#
#   bench/run.sh [--threads N] [--skip-frameworks]     (default: all cores)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD="${CNNC_BUILD_DIR:-$ROOT/build}"
THREADS="$(nproc)"
FRAMEWORKS=1
while (($#)); do
  case "$1" in
    --threads) THREADS="$2"; shift 2 ;;
    --threads=*) THREADS="${1#*=}"; shift ;;
    --skip-frameworks) FRAMEWORKS=0; shift ;;
    *) echo "bench/run.sh: unknown argument '$1'" >&2; exit 1 ;;
  esac
done
[[ "$THREADS" =~ ^[1-9][0-9]*$ ]] || { echo "bench/run.sh: --threads must be a positive integer" >&2; exit 1; }
"$ROOT/scripts/setup.sh"

OUT="$(mktemp -d)"
trap 'rm -rf "$OUT"' EXIT
CC="${CC:-/usr/lib/llvm-22/bin/clang}"
"$CC" -O2 -I"$ROOT/include" "$ROOT/bench/model_bench.c" -ldl -o "$OUT/model_bench"
"$CC" -O2 -pthread "$ROOT/bench/peak.c" -o "$OUT/peak"

# Compile time: median of 5 runs of the whole `cnnc model.mlir -o model.so`.
times=()
for _ in 1 2 3 4 5; do
  start=$(date +%s.%N)
  "$BUILD/bin/cnnc" "$ROOT/examples/fashion_mnist_cnn.mlir" -o "$OUT/fashion.so"
  end=$(date +%s.%N)
  times+=("$(awk -v a="$start" -v b="$end" 'BEGIN {printf "%.3f", b - a}')")
done
"$BUILD/bin/cnnc" "$ROOT/examples/cifar10_cnn.mlir" -o "$OUT/cifar.so"

{
  echo "compile_seconds: $(printf '%s\n' "${times[@]}" | sort -n | sed -n 3p)"
  "$OUT/peak" 1 | sed 's/^/one_core_/'
  "$OUT/peak" "$THREADS"
} > "$OUT/cnnc.txt"
PEAK=$(awk -F': ' '$1 == "peak_gflops" {print $2}' "$OUT/cnnc.txt")
"$OUT/model_bench" "$OUT/fashion.so" --batch 256 --threads "$THREADS" \
  --peak-gflops "$PEAK" >> "$OUT/cnnc.txt"
"$OUT/model_bench" "$OUT/cifar.so" --train-only --threads "$THREADS" \
  --peak-gflops "$PEAK" --prefix cifar_ >> "$OUT/cnnc.txt"

: > "$OUT/frameworks.txt"
PY="$ROOT/bench/.venv/bin/python"
if ((FRAMEWORKS)) && [[ -x "$PY" ]]; then
  TF_CPP_MIN_LOG_LEVEL=3 OMP_NUM_THREADS="$THREADS" "$PY" \
    "$ROOT/bench/frameworks.py" --threads "$THREADS" --one-thread-latency \
    --workdir "$OUT" 2> "$OUT/frameworks.log" > "$OUT/frameworks.txt" ||
    { echo "frameworks: failed:"; tail -3 "$OUT/frameworks.log"; }
elif ((FRAMEWORKS)); then
  echo "frameworks: not installed (run bench/setup-frameworks.sh for the ratios)"
fi

python3 - "$OUT/cnnc.txt" "$OUT/frameworks.txt" "$THREADS" <<'PY'
import sys

def read(path):
    values = {}
    for line in open(path):
        key, _, value = line.partition(": ")
        try:
            values[key.strip()] = float(value)
        except ValueError:
            values[key.strip()] = value.strip()
    return values

cnnc, fw, threads = read(sys.argv[1]), read(sys.argv[2]), sys.argv[3]
frameworks = [name for name in ("torch", "keras", "ort")
              if any(k.startswith(name + "_") for k in fw)]
print(f"machine: {open('/proc/cpuinfo').read().split('model name')[1].split(':')[1].splitlines()[0].strip()}, "
      f"{threads} thread(s); measured peak {cnnc['peak_gflops']:.0f} GFLOP/s "
      f"({cnnc['one_core_peak_gflops']:.0f} on one core)")
print(f"cnnc compile time (reference model, training included): "
      f"{cnnc['compile_seconds']:.2f} s")
rows = [
    ("train batch 32, 28x28x1 (images/s)", "train_batch32_images_per_s", True),
    ("train batch 32, 32x32x3 (images/s)", "cifar_train_batch32_images_per_s", True),
    ("inference batch 256 (images/s)", "batch256_images_per_s", True),
    ("inference batch 1 p50, 1 thread (us)", "batch1_p50_us", False),
    ("inference batch 1 p90, 1 thread (us)", "batch1_p90_us", False),
]
header = f"{'figure':40} {'cnnc':>9}" + "".join(
    f" {name:>9} {'x ' + name:>9}" for name in frameworks)
print(header)
print("-" * len(header))
for label, key, higher_is_better in rows:
    line = f"{label:40} {cnnc.get(key, float('nan')):9.1f}"
    for name in frameworks:
        value = fw.get(f"{name}_{key}")
        if isinstance(value, float) and value > 0:
            ratio = cnnc[key] / value if higher_is_better else value / cnnc[key]
            line += f" {value:9.1f} {ratio:9.2f}"
        else:
            line += f" {'-':>9} {'-':>9}"
    print(line)
print("(x framework: how many times faster cnnc is; Keras trains with "
      "model.fit, PyTorch eager; Keras's batch-1 latency uses the run's "
      "thread count)")
for key, label in (("train_batch32_fraction_of_peak", "train 28x28x1"),
                   ("cifar_train_batch32_fraction_of_peak", "train 32x32x3"),
                   ("batch256_fraction_of_peak", "inference batch 256")):
    print(f"fraction of peak, {label}: {cnnc[key]:.2f} "
          f"({cnnc[key.replace('fraction_of_peak', 'gflops')]:.1f} GFLOP/s)")
print("raw figures:")
for path in sys.argv[1:3]:
    for line in open(path):
        print("  " + line.rstrip())
PY
