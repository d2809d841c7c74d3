#!/usr/bin/env bash
# Data-parallel training on this machine (docs/distributed.md). On the
# reference CNN (Adam) at global batch 32 over Fashion-MNIST:
#   - training images/s of 1 process x 2 threads against 2 ranks x 1 thread
#     (mpirun -np 2 cnnc-train), alternating the two over several rounds;
#   - the time of one gradient sum of 2 ranks (93,322 gradients + 4 scalars,
#     373 KB: bench/distributed_allreduce.c) against the step time;
#   - the step time at batches 32, 16, 8 and 4 on one thread and on every
#     core: the compute of a rank (one per core, or one per machine) whose
#     shard has that many images, and from those the scaling model of
#     docs/distributed.md for N such machines (bench/distributed_scaling.py).
# Medians of the rounds; the machine's load average is printed with them.
#
#   bench/distributed.sh [--images N] [--rounds R]
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD="${CNNC_BUILD_DIR:-$ROOT/build}"
IMAGES=9600 ROUNDS=3
while (($#)); do
  case "$1" in
    --images) IMAGES="$2"; shift 2 ;;
    --rounds) ROUNDS="$2"; shift 2 ;;
    *) echo "bench/distributed.sh: unknown argument '$1'" >&2; exit 1 ;;
  esac
done
[[ -x "$BUILD/bin/cnnc" && -x "$BUILD/bin/cnnc-train" ]] || {
  echo "bench/distributed.sh: build cnnc first (scripts/setup.sh)" >&2; exit 1; }
command -v mpirun > /dev/null && command -v mpicc > /dev/null || {
  echo "bench/distributed.sh: needs Open MPI (Debian: openmpi-bin" \
       "libopenmpi-dev)" >&2; exit 1; }
MPIRUN=(mpirun --oversubscribe)
[[ $(id -u) -eq 0 ]] && MPIRUN+=(--allow-run-as-root)

OUT="$(mktemp -d)"
trap 'rm -rf "$OUT"' EXIT
TRAIN="$BUILD/bin/cnnc-train"
"$BUILD/bin/cnnc" "$ROOT/examples/fashion_mnist_cnn.mlir" -o "$OUT/model.so"
mpicc -std=c11 -D_POSIX_C_SOURCE=200809L -O2 -I"$ROOT/bench" "$ROOT/bench/distributed_allreduce.c" \
  -o "$OUT/allreduce"

# images/s of the "Total time" line of a cnnc-train run.
rate() {
  awk '/^Total time/ { for (i = 2; i <= NF; ++i)
         if ($i == "images/s,") { sub(/\(/, "", $(i - 1)); print $(i - 1) } }'
}
median() { sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

echo "load average before: $(uptime | sed 's/.*load average: //')"
COMMON=(--epochs 1 --batch 32 --train-subset "$IMAGES" --test-subset 10)
for ((r = 1; r <= ROUNDS; ++r)); do
  "$TRAIN" "$OUT/model.so" "${COMMON[@]}" --threads 2 | rate >> "$OUT/one"
  "${MPIRUN[@]}" -np 2 "$TRAIN" "$OUT/model.so" "${COMMON[@]}" --threads 1 \
    | rate >> "$OUT/two"
done
ONE=$(median < "$OUT/one")
TWO=$(median < "$OUT/two")
echo "1 process x 2 threads: $ONE images/s (rounds: $(tr '\n' ' ' < "$OUT/one"))"
echo "2 ranks x 1 thread:    $TWO images/s (rounds: $(tr '\n' ' ' < "$OUT/two"))"
awk -v a="$TWO" -v b="$ONE" 'BEGIN { printf "2 ranks / 1 process: %.2f\n", a / b }'

"${MPIRUN[@]}" -np 2 "$OUT/allreduce" > "$OUT/sum"
sed 's/^/gradient sum, 2 ranks: /' "$OUT/sum"

for threads in 1 "$(nproc)"; do
  for batch in 32 16 8 4; do
    for ((r = 1; r <= ROUNDS; ++r)); do
      "$TRAIN" "$OUT/model.so" --epochs 1 --batch "$batch" --threads "$threads" \
        --train-subset $((batch * 150)) --test-subset 10 | rate
    done | median > "$OUT/rate"
    awk -v t="$threads" -v b="$batch" -v r="$(cat "$OUT/rate")" \
      'BEGIN { printf "%d thread(s), batch %2d: %7.1f images/s, %6.2f ms per " \
               "step\n", t, b, r, 1000 * b / r }'
    awk -v b="$batch" -v r="$(cat "$OUT/rate")" \
      'BEGIN { printf "%.3f\n", 1000 * b / r }' > "$OUT/step_${threads}_$batch"
  done
done
awk -v two="$TWO" -F': ' '$1 == "allreduce_median_us" { sum = $2 }
  END { step = 1e6 * 32 / two
        printf "2-rank step %.0f us, of which the gradient sum %.0f us " \
               "(%.1f%%)\n", step, sum, 100 * sum / step }' "$OUT/sum"
echo "load average after: $(uptime | sed 's/.*load average: //')"
# The scaling model with ranks of one core of this machine (one thread: the
# most stable of the figures on a shared machine, where other jobs take
# cores from the kernel threads' barriers).
python3 "$ROOT/bench/distributed_scaling.py" "$(cat "$OUT/step_1_32")" \
  "$(cat "$OUT/step_1_16")" "$(cat "$OUT/step_1_8")" "$(cat "$OUT/step_1_4")" \
  "$(awk -F': ' '$1 == "allreduce_median_us" { print $2 }' "$OUT/sum")"
