#!/usr/bin/env bash
# cnnc benchmarks: compile time of the reference model and inference speed of
# the generated library (batch-1 latency p50/p90, batch-256 throughput,
# fraction of the machine's peak FP32 FLOP/s). Medians, not single runs.
#
#   bench/run.sh [model.mlir]            (default: examples/fashion_mnist_cnn.mlir)
#   CNNC_PEAK_GFLOPS=157 bench/run.sh    (override the peak estimate)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD="${CNNC_BUILD_DIR:-$ROOT/build}"
MODEL="${1:-$ROOT/examples/fashion_mnist_cnn.mlir}"
"$ROOT/scripts/setup.sh"

OUT="$(mktemp -d)"
trap 'rm -rf "$OUT"' EXIT

# Peak FP32 FLOP/s: cores x FLOP/cycle x clock. Two 256-bit FMA pipes give
# 32 FLOP/cycle (AVX2 + FMA, and AMD Zen 4, which splits AVX-512 into two
# 256-bit halves); Intel cores with two 512-bit FMA units give 64.
peak_gflops() {
  local cores mhz per_cycle=8
  cores=$(nproc)
  mhz=$(awk -F: '/^cpu MHz/ {print $2; exit}' /proc/cpuinfo)
  grep -qw fma /proc/cpuinfo && grep -qw avx2 /proc/cpuinfo && per_cycle=32
  grep -qw avx512f /proc/cpuinfo && grep -q GenuineIntel /proc/cpuinfo && per_cycle=64
  awk -v c="$cores" -v m="$mhz" -v f="$per_cycle" 'BEGIN {printf "%.1f", c * f * m / 1000}'
}
PEAK="${CNNC_PEAK_GFLOPS:-$(peak_gflops)}"
# The generated code is single-threaded so far: its peak is one core's.
PEAK_ONE_CORE=$(awk -v p="$PEAK" -v c="$(nproc)" 'BEGIN {printf "%.1f", p / c}')

# Compile time: median of 5 runs of the whole `cnnc model.mlir -o model.so`
# (inference and training entry points).
times=()
for _ in 1 2 3 4 5; do
  start=$(date +%s.%N)
  "$BUILD/bin/cnnc" "$MODEL" -o "$OUT/model.so"
  end=$(date +%s.%N)
  times+=("$(awk -v a="$start" -v b="$end" 'BEGIN {printf "%.3f", b - a}')")
done
compile_median=$(printf '%s\n' "${times[@]}" | sort -n | sed -n 3p)

"${CC:-/usr/lib/llvm-22/bin/clang}" -O2 -I"$ROOT/include" \
  "$ROOT/bench/model_bench.c" -ldl -o "$OUT/model_bench"

echo "machine: $(nproc) cores, $(awk -F: '/model name/ {print $2; exit}' /proc/cpuinfo | sed 's/^ //')"
echo "peak_gflops (all cores): $PEAK"
echo "compile_seconds_median_of_5: $compile_median"
"$OUT/model_bench" "$OUT/model.so" --batch 256 --peak-gflops "$PEAK_ONE_CORE" | tee "$OUT/cnnc.txt"

# The same model in the frameworks people would otherwise use, in the same
# run, single-threaded like cnnc's code (bench/setup-frameworks.sh installs
# them into bench/.venv; the build and the tests never need them).
PY="$ROOT/bench/.venv/bin/python"
if [[ -x "$PY" ]] && "$PY" -c "import importlib.util as u, sys; sys.exit(not (u.find_spec('torch') or u.find_spec('tensorflow')))"; then
  TF_CPP_MIN_LOG_LEVEL=3 "$PY" "$ROOT/bench/frameworks.py" --threads 1 \
    2> "$OUT/frameworks.log" | tee "$OUT/frameworks.txt" ||
    { echo "frameworks: failed:"; tail -3 "$OUT/frameworks.log"; }
  awk -F': ' '
    FNR == NR { cnnc[$1] = $2; next }
    { fw[$1] = $2 }
    END {
      split("torch keras", names, " ")
      split("batch256_images_per_s train_batch32_images_per_s", keys, " ")
      for (n in names) for (i in keys) {
        f = names[n] "_" keys[i]
        if (fw[f] > 0)
          printf "ratio cnnc/%s %s: %.2f\n", names[n], keys[i], cnnc[keys[i]] / fw[f]
      }
      for (n in names) if (fw[names[n] "_batch1_p50_us"] > 0)
        printf "ratio %s/cnnc batch1_p50 latency: %.2f\n", names[n], fw[names[n] "_batch1_p50_us"] / cnnc["batch1_p50_us"]
    }' "$OUT/cnnc.txt" "$OUT/frameworks.txt"
else
  echo "frameworks: not installed (run bench/setup-frameworks.sh for the ratios)"
fi
