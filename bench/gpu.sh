#!/usr/bin/env bash
# cnnc on an NVIDIA GPU against PyTorch CUDA, measured in the same run on the
# same machine (docs/gpu-device-runs.md). Runs on the GPU machine from the
# repository root, on what scripts/gpu-carry.sh staged in carry/ (no
# compiler, LLVM or network needed there):
#   - cnnc: carry/bin/gpu_model_bench on the nvptx libraries of both
#     reference models (fashion 28x28x1, cifar 32x32x3), CUDA graphs off and
#     on (CNNC_CUDA_GRAPHS), each through libcnnrt and on resident device
#     buffers: batch-32 train step, batch-256 forward, batch-1 latency;
#   - PyTorch (python3 with CUDA): eager (+ fused Adam), torch.compile default
#     and mode="reduce-overhead", same models and figures
#     (bench/gpu_frameworks.py; compile failures are reported, not fatal);
#   - a table with images/s, us/step, fraction of the FP32 peak, ratios
#     cnnc/torch and the issue's targets.
# Every part has a timeout; the whole stays within --budget seconds.
#
#   bench/gpu.sh [--out DIR] [--budget S] [--seconds S] [--python PY]
#                [--skip-compile] [--cpu-dry-run]
#
# --cpu-dry-run: the same flow on this CPU machine with the CPU libraries of
# carry/ and torch on the CPU (bench/.venv), short durations: tests the script.
set -uo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CARRY="$ROOT/carry"
OUTDIR="$ROOT/out-gpu/bench"
BUDGET=300
SECONDS_PER=1.0
PY=""
DRY=0
COMPILE=1
while (($#)); do
  case "$1" in
    --out) OUTDIR="$2"; shift 2 ;;
    --budget) BUDGET="$2"; shift 2 ;;
    --seconds) SECONDS_PER="$2"; shift 2 ;;
    --python) PY="$2"; shift 2 ;;
    --skip-compile) COMPILE=0; shift ;;
    --cpu-dry-run) DRY=1; shift ;;
    *) echo "bench/gpu.sh: unknown argument '$1'" >&2; exit 1 ;;
  esac
done
[[ "$BUDGET" =~ ^[0-9]+$ ]] || { echo "bench/gpu.sh: --budget must be whole seconds" >&2; exit 1; }
[[ -x "$CARRY/bin/gpu_model_bench" ]] ||
  { echo "bench/gpu.sh: $CARRY/bin/gpu_model_bench missing: run scripts/gpu-carry.sh (here: carry: [\"carry\"])" >&2; exit 1; }

if ((DRY)); then
  DEVICE=cpu SUFFIX=cpu
  [[ -z "$PY" && -x "$ROOT/bench/.venv/bin/python" ]] && PY="$ROOT/bench/.venv/bin/python"
  [[ "$SECONDS_PER" == 1.0 ]] && SECONDS_PER=0.2
else
  DEVICE=cuda SUFFIX=gpu
fi
PY="${PY:-python3}"
export LD_LIBRARY_PATH="$CARRY/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
if ! ldconfig -p 2>/dev/null | grep -q 'libz\.so\.1 '; then
  LD_LIBRARY_PATH="$LD_LIBRARY_PATH:$CARRY/lib/fallback"
fi
export PYTHONUNBUFFERED=1

mkdir -p "$OUTDIR"
RAW="$OUTDIR/bench-raw.txt"
LOG="$OUTDIR/bench.log"
TABLE="$OUTDIR/bench-table.txt"
: > "$RAW"
: > "$LOG"
START=$(date +%s)
PART_LOG_LINES=0

# limit WANTED: seconds a part may take, capped by what the budget has left
# (minus a reserve for the report); 0 when nothing is left.
limit() {
  local left=$((START + BUDGET - $(date +%s) - 10))
  ((left < 5)) && { echo 0; return; }
  ((left < $1)) && echo "$left" || echo "$1"
}

# part NAME WANTED CMD...: runs CMD under timeout, stdout to RAW, stderr to
# LOG; records "bench_part_<NAME>: ok|failed (rc)|timed out|skipped".
part() {
  local name="$1" t
  t=$(limit "$2")
  shift 2
  if ((t == 0)); then
    echo "bench_part_$name: skipped (budget)" >> "$RAW"
    return 1
  fi
  echo "== $name (limit ${t}s): $*" >> "$LOG"
  PART_LOG_LINES=$(wc -l < "$LOG")
  local begin=$(date +%s.%N) rc
  timeout -k 5 "$t" "$@" >> "$RAW" 2>> "$LOG"
  rc=$?
  local took=$(awk -v a="$begin" -v b="$(date +%s.%N)" 'BEGIN {printf "%.1f", b - a}')
  case $rc in
    0) echo "bench_part_$name: ok (${took}s)" >> "$RAW" ;;
    124|137) echo "bench_part_$name: timed out after ${t}s" >> "$RAW" ;;
    *) echo "bench_part_$name: failed (exit $rc, ${took}s; see bench.log)" >> "$RAW" ;;
  esac
  echo "   -> exit $rc after ${took}s" >> "$LOG"
  return $rc
}

# The last line a failed part wrote to the log, for its "_error" key.
last_error() {
  local line
  line=$(tail -n "+$((PART_LOG_LINES + 1))" "$LOG" | grep -v '^   -> exit' | tail -1 | cut -c1-200)
  echo "${line:-no message on stderr (see the figures and status of the part)}"
}

echo "bench/gpu.sh: device $DEVICE, budget ${BUDGET}s, ${SECONDS_PER}s per figure, python $PY"
part info 60 "$PY" "$ROOT/bench/gpu_frameworks.py" info --device "$DEVICE" ||
  echo "info_error: $(last_error)" >> "$RAW"

# cnnc: both models, graphs off and on; through cnnrt and resident.
for model in fashion cifar; do
  for graphs in 0 1; do
    prefix="cnnc_g${graphs}_${model}_"
    if ! part "cnnc_g${graphs}_$model" 60 env CNNC_CUDA_GRAPHS="$graphs" \
        "$CARRY/bin/gpu_model_bench" "$CARRY/models/$model-$SUFFIX.so" \
        --resident --seconds "$SECONDS_PER" --prefix "$prefix"; then
      echo "${prefix}error: $(last_error)" >> "$RAW"
    fi
  done
done
# The kernels' A/B variants of fashion, graphs on, resident: thread
# coarsening off (--gpu-lanes=1) and shared-memory tiles off
# (--gpu-shared-tile-bytes=0).
for variant in lanes1 noshared; do
  [[ -f "$CARRY/models/fashion-$variant-$SUFFIX.so" ]] || continue
  prefix="cnnc_g1_fashion_${variant}_"
  part "cnnc_g1_fashion_$variant" 60 env CNNC_CUDA_GRAPHS=1 \
      "$CARRY/bin/gpu_model_bench" "$CARRY/models/fashion-$variant-$SUFFIX.so" \
      --resident --seconds "$SECONDS_PER" --prefix "$prefix" ||
    echo "${prefix}error: $(last_error)" >> "$RAW"
done
echo "bench/gpu.sh: cnnc done after $(( $(date +%s) - START ))s"

# PyTorch: eager first (cheap), then the compiled modes, which compile for
# tens of seconds each; figures past a process's --budget are skipped.
torch_part() { # impl wanted-seconds
  local t
  t=$(limit "$2")
  part "torch_$1" "$2" "$PY" "$ROOT/bench/gpu_frameworks.py" measure \
    --impl "$1" --device "$DEVICE" --seconds "$SECONDS_PER" \
    --budget "$((t > 30 ? t - 25 : t / 2))" ||
    { grep -q "^torch_${1//-/_}_error: " "$RAW" ||
      echo "torch_${1//-/_}_error: $(last_error)" >> "$RAW"; }
}
torch_part eager 150
echo "bench/gpu.sh: torch eager done after $(( $(date +%s) - START ))s"
if ((COMPILE)); then
  # Split what is left between the two modes.
  half=$(( (START + BUDGET - $(date +%s) - 10) / 2 ))
  torch_part compile "$((half > 240 ? 240 : half))"
  echo "bench/gpu.sh: torch.compile done after $(( $(date +%s) - START ))s"
  torch_part compile-ro 240
  echo "bench/gpu.sh: torch.compile reduce-overhead done after $(( $(date +%s) - START ))s"
fi

REPORT_PY=python3
command -v python3 >/dev/null || REPORT_PY="$PY"
"$REPORT_PY" "$ROOT/bench/gpu_frameworks.py" report "$RAW" > "$TABLE" 2>> "$LOG" ||
  echo "report failed (see $LOG)" >> "$TABLE"
cat "$TABLE"
echo "parts:"
grep '^bench_part_' "$RAW" | sed 's/^/  /'
echo "bench/gpu.sh: ${SECONDS}s in all; raw figures $RAW, log $LOG"
