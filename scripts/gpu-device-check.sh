#!/usr/bin/env bash
# Everything GPU-related in one command, on the GPU machine, from the
# repository root, using only what scripts/gpu-carry.sh staged in carry/
# (docs/gpu-device-runs.md):
#   a. probe     cnnc-cuda-probe, nvidia-smi, what was staged (carry/MANIFEST);
#   b. parity    carry/bin/parity (test/GPU/Inputs/parity.c): CPU vs GPU
#                library, forward / train steps / evaluate within the stated
#                tolerances, for small (batch 5 steps 3, batch 300 steps 2),
#                fashion (32, 3), cifar (32, 2), sgd (32, 3), each with CUDA
#                graphs off and on (CNNC_CUDA_GRAPHS=1);
#   c. train     cnnc-train --device=cuda on the carried Fashion-MNIST: 4
#                epochs (batch 32, Adam, lr 1e-3, seed 1 as scripts/run.sh),
#                test accuracy and per-epoch times, the checkpoint evaluated
#                again, then 1 epoch with CUDA graphs on, then the prefetch
#                check: 200 steps (validation split 0.1) with the next
#                batch's copy overlapped (default) and with
#                CNNRT_CUDA_PREFETCH=0, whose weights (--save-weights),
#                history and printed losses must be identical;
#   d. bench     bench/gpu.sh: cnnc vs PyTorch eager / torch.compile;
#   e. summary   $OUT/summary.txt: every figure and each part's status.
# Every step has a timeout and the whole stays within --budget seconds
# (default 480); a failing step is recorded and the next one runs. Results go
# to $OUT (the device tool's folder) or ./out-gpu: summary.txt and log.txt
# (written as it goes, so a killed run still returns them), bench-table.txt,
# and details.tar.gz (every step's output, training history, bench raw).
#
#   bash scripts/gpu-device-check.sh [--budget S] [--epochs N]
#        [--skip-parity] [--skip-train] [--skip-bench] [--cpu-dry-run]
#
# --cpu-dry-run: the same flow here with the CPU libraries of carry/ (parity
# CPU vs CPU, a short CPU training, bench/gpu.sh --cpu-dry-run): tests the
# script without a GPU.
set -uo pipefail # not -e: every part runs, failures are recorded

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
CARRY="$ROOT/carry"
OUTDIR="${OUT:-$ROOT/out-gpu}"
BUDGET=480
EPOCHS=4
DRY=0
DO_PARITY=1 DO_TRAIN=1 DO_BENCH=1
while (($#)); do
  case "$1" in
    --budget) BUDGET="$2"; shift 2 ;;
    --epochs) EPOCHS="$2"; shift 2 ;;
    --skip-parity) DO_PARITY=0; shift ;;
    --skip-train) DO_TRAIN=0; shift ;;
    --skip-bench) DO_BENCH=0; shift ;;
    --cpu-dry-run) DRY=1; shift ;;
    *) echo "gpu-device-check.sh: unknown argument '$1'" >&2; exit 1 ;;
  esac
done
[[ "$BUDGET" =~ ^[0-9]+$ && "$EPOCHS" =~ ^[1-9][0-9]*$ ]] ||
  { echo "gpu-device-check.sh: --budget and --epochs must be whole numbers" >&2; exit 1; }
if [[ ! -x "$CARRY/bin/cnnc-train" ]]; then
  echo "gpu-device-check.sh: $CARRY/bin/cnnc-train missing: stage with 'bash scripts/gpu-carry.sh' on the development machine and give the device call carry: [\"carry\"]" >&2
  exit 1
fi

START=$(date +%s)
mkdir -p "$OUTDIR"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/cnnc-gpu-check.XXXXXX")"
SUMMARY="$OUTDIR/summary.txt"
LOG="$OUTDIR/log.txt"
: > "$SUMMARY"
: > "$LOG"
export LD_LIBRARY_PATH="$CARRY/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
# The carried fallbacks this image lacks, and only those (a library on
# LD_LIBRARY_PATH would take precedence over the image's own).
mkdir -p "$CARRY/lib/missing"
for lib in "$CARRY"/lib/fallback/*; do
  [[ -e "$lib" ]] || continue
  name=$(basename "$lib")
  if ! ldconfig -p 2>/dev/null |
    awk -v n="$name" '$1 == n {found = 1} END {exit !found}'; then
    ln -sf "$lib" "$CARRY/lib/missing/$name"
  fi
done
LD_LIBRARY_PATH="$LD_LIBRARY_PATH:$CARRY/lib/missing"
if ((DRY)); then
  SUFFIX=cpu DEVICE=cpu
else
  SUFFIX=gpu DEVICE=cuda
fi

# Line-buffered stdout for the stamped training output (cnnc-train's stdout
# is a pipe here), where coreutils' stdbuf works.
LINEBUF=()
stdbuf -oL true 2>/dev/null && LINEBUF=(stdbuf -oL)

note() { echo "$*" | tee -a "$SUMMARY"; }
elapsed() { echo $(($(date +%s) - START)); }

# limit WANTED: seconds a step may take, capped by the budget left (minus a
# reserve for the summary and the archive); 0 when nothing is left.
limit() {
  local left=$((START + BUDGET - $(date +%s) - 15))
  ((left < 5)) && { echo 0; return; }
  ((left < $1)) && echo "$left" || echo "$1"
}

# step NAME WANTED CMD...: runs CMD under timeout with stdout+stderr to
# $WORK/NAME.log (each line stamped with the time, for epoch durations) and
# appended to log.txt. Sets RC (125: skipped for lack of time) and TOOK.
step() {
  local name="$1" t begin
  t=$(limit "$2")
  shift 2
  RC=125 TOOK=0
  if ((t == 0)); then
    echo "== $name: skipped, no time left" >> "$LOG"
    return
  fi
  echo "== $name (limit ${t}s, at $(elapsed)s): $*" >> "$LOG"
  begin=$(date +%s.%N)
  timeout -k 5 "$t" "$@" 2>&1 | while IFS= read -r line; do
    printf '%s %s\n' "$(date +%s.%N)" "$line"
  done > "$WORK/$name.log"
  RC=${PIPESTATUS[0]}
  TOOK=$(awk -v a="$begin" -v b="$(date +%s.%N)" 'BEGIN {printf "%.1f", b - a}')
  cut -d' ' -f2- "$WORK/$name.log" >> "$LOG"
  echo "   -> exit $RC after ${TOOK}s" >> "$LOG"
  ((RC == 124 || RC == 137)) && echo "   -> timed out after ${t}s" >> "$LOG"
}
status_of() { # RC -> word
  case $RC in
    0) echo ok ;;
    124|137) echo "timed out" ;;
    125) echo "skipped (no time left)" ;;
    *) echo "failed (exit $RC)" ;;
  esac
}
# text NAME: the step's output without the time stamps
text() { cut -d' ' -f2- "$WORK/$1.log" 2>/dev/null; }

note "cnnc GPU device check: $(date -u +%Y-%m-%dT%H:%M:%SZ), $(uname -n), kernel $(uname -r), budget ${BUDGET}s$( ((DRY)) && echo ', CPU DRY RUN')"
note "carry/MANIFEST: $(grep -E '^(staged|commit|build|uncommitted)' "$CARRY/MANIFEST" 2>/dev/null | tr '\n' '|' | sed 's/|$//; s/|/ | /g')"

# --- a. probe ---------------------------------------------------------------
note ""
note "== a. probe"
if command -v nvidia-smi >/dev/null; then
  step nvidia-smi 30 nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.sm,clocks.max.sm,temperature.gpu,power.draw --format=csv
  note "nvidia-smi: $(text nvidia-smi | tail -1)"
else
  note "nvidia-smi: not on PATH"
fi
step probe 30 "$CARRY/bin/cnnc-cuda-probe"
PROBE_RC=$RC
note "cnnc-cuda-probe: $(status_of): $(text probe | tr '\n' ' ')"
step ldd 20 ldd "$CARRY/bin/cnnc-train" "$CARRY/bin/parity" "$CARRY/bin/gpu_model_bench"
if grep -q "not found" "$WORK/ldd.log"; then
  note "libraries: MISSING: $(grep 'not found' "$WORK/ldd.log" | cut -d' ' -f2- | tr -s ' \t' ' ' | sort -u | tr '\n' ';')"
else
  note "libraries: all resolve (LD_LIBRARY_PATH=$LD_LIBRARY_PATH)"
fi
if ((PROBE_RC != 0 && !DRY)); then
  note "WARNING: no usable CUDA device according to cnnc-cuda-probe; the GPU steps below will fail fast"
fi
STATUS_PROBE=$( ((PROBE_RC == 0)) && echo ok || echo "failed: $(text probe | head -1)")

# --- b. parity --------------------------------------------------------------
STATUS_PARITY="not run"
if ((DO_PARITY)); then
  note ""
  note "== b. parity (CPU library vs $SUFFIX library; tolerances in test/GPU/Inputs/parity.c)"
  pass=0 total=0
  for run in "small 5 3" "small 300 2" "fashion 32 3" "cifar 32 2" "sgd 32 3"; do
    read -r model batch steps <<<"$run"
    for graphs in 0 1; do
      name="parity_${model}_b${batch}_s${steps}_graphs${graphs}"
      step "$name" 90 env CNNC_CUDA_GRAPHS="$graphs" "$CARRY/bin/parity" \
        "$CARRY/models/$model-cpu.so" "$CARRY/models/$model-$SUFFIX.so" "$batch" "$steps"
      total=$((total + 1))
      out=$(text "$name")
      diffs=$(grep -E '^(forward|params|opt state): max' <<<"$out" |
              sed 's/: max |diff|/ max diff/' | tr '\n' ',' | sed 's/,$//; s/,/, /g')
      if grep -q '^PASS:' <<<"$out"; then
        pass=$((pass + 1))
        verdict=PASS
      elif grep -q '^FAIL:' <<<"$out"; then
        verdict="FAIL ($(grep '^FAIL:' <<<"$out"))"
      else
        verdict="ERROR $(status_of): $(grep -m1 -E 'error|rror' <<<"$out" || tail -1 <<<"$out")"
      fi
      note "$name: $verdict; $diffs [${TOOK}s]"
      grep -E '^(step|evaluate)' <<<"$out" | sed 's/^/    /' >> "$SUMMARY"
    done
  done
  STATUS_PARITY="$pass of $total passed"
  note "parity: $STATUS_PARITY"
fi

# --- c. training ------------------------------------------------------------
STATUS_TRAIN="not run"
STATUS_PREFETCH="not run"
# epochs NAME: per-epoch seconds from the stamps of the step's output lines
# (the "Train on" line before the first epoch, then one line per epoch).
epochs() {
  awk '$2 == "Train" && $3 == "on" {t = $1}
       $2 == "Epoch" {printf "%s%.1f", sep, $1 - t; sep = ", "; t = $1}' \
    "$WORK/$1.log"
}
train_figures() { # NAME
  local out
  out=$(text "$1")
  note "$1: $(status_of) [${TOOK}s]; $(grep -m1 '^test_loss' <<<"$out")"
  note "$1 epoch seconds (stamped): $(epochs "$1")"
  grep -E '^(Train on|Epoch|Total time)' <<<"$out" | sed 's/^/    /' >> "$SUMMARY"
  if ((RC != 0)); then
    note "$1 output ends: $(tail -2 <<<"$out" | tr '\n' ' ')"
  fi
}
if ((DO_TRAIN)); then
  note ""
  note "== c. training (cnnc-train --device=$DEVICE, Fashion-MNIST from carry/)"
  TRAIN=(--data fashion-mnist --data-dir "$CARRY/data/fashion-mnist" --batch 32
         --lr 1e-3 --seed 1 --progress plain --device="$DEVICE")
  if ((DRY)); then
    TRAIN+=(--train-subset 3000 --test-subset 1000)
    EPOCHS=1
  fi
  step train 240 "${LINEBUF[@]}" "$CARRY/bin/cnnc-train" "$CARRY/models/fashion-$SUFFIX.so" \
    "${TRAIN[@]}" --epochs "$EPOCHS" --history "$WORK/train-history.csv" \
    --checkpoint "$WORK/fashion.ckpt"
  TRAIN_RC=$RC
  train_figures train
  acc=$(text train | grep -m1 -o 'test_accuracy: [0-9.]*' | cut -d' ' -f2)
  if [[ -f "$WORK/fashion.ckpt" ]]; then
    step train_evaluate 60 "$CARRY/bin/cnnc-train" evaluate \
      "$CARRY/models/fashion-$SUFFIX.so" --data-dir "$CARRY/data/fashion-mnist" \
      --device="$DEVICE" --checkpoint "$WORK/fashion.ckpt" \
      $( ((DRY)) && echo --test-subset 1000)
    note "train_evaluate (checkpoint reloaded): $(status_of); $(text train_evaluate | grep -m1 '^test_loss')"
  fi
  step train_graphs 120 env CNNC_CUDA_GRAPHS=1 "${LINEBUF[@]}" "$CARRY/bin/cnnc-train" \
    "$CARRY/models/fashion-$SUFFIX.so" "${TRAIN[@]}" --epochs 1
  GRAPHS_RC=$RC
  train_figures train_graphs
  STATUS_TRAIN="$( ((TRAIN_RC == 0)) && echo ok || echo failed) (test_accuracy ${acc:-none} after $EPOCHS epochs; CPU reference 0.896 after 4); graphs epoch: $( ((GRAPHS_RC == 0)) && echo ok || echo failed)"

  # Prefetch on vs off: the same batches and steps, so identical bytes.
  PREFETCH=(--epochs 1 --max-steps 200 --validation-split 0.1)
  for mode in on off; do
    step "train_prefetch_$mode" 90 env CNNRT_CUDA_PREFETCH="$( [[ $mode == on ]] && echo 1 || echo 0)" \
      "$CARRY/bin/cnnc-train" "$CARRY/models/fashion-$SUFFIX.so" "${TRAIN[@]}" "${PREFETCH[@]}" \
      --history "$WORK/prefetch-$mode.csv" --save-weights "$WORK/prefetch-$mode.weights"
    eval "PREFETCH_RC_$mode=$RC"
    train_figures "train_prefetch_$mode"
  done
  losses() { text "$1" | grep -E '^(Epoch|test_loss)' | sed 's/ - [0-9.]*s - / - /'; }
  if ((PREFETCH_RC_on != 0 || PREFETCH_RC_off != 0)); then
    STATUS_PREFETCH="failed (exit $PREFETCH_RC_on with prefetch, $PREFETCH_RC_off without)"
  elif cmp -s "$WORK/prefetch-on.weights" "$WORK/prefetch-off.weights" &&
       cmp -s "$WORK/prefetch-on.csv" "$WORK/prefetch-off.csv" &&
       [[ "$(losses train_prefetch_on)" == "$(losses train_prefetch_off)" ]]; then
    STATUS_PREFETCH="identical weights, history and losses with and without prefetch"
  else
    STATUS_PREFETCH="DIFFERENT with and without prefetch (weights: $(cmp "$WORK/prefetch-on.weights" "$WORK/prefetch-off.weights" 2>&1 | head -1))"
  fi
  note "prefetch: $STATUS_PREFETCH"
fi

# --- d. bench ---------------------------------------------------------------
STATUS_BENCH="not run"
if ((DO_BENCH)); then
  note ""
  note "== d. bench (bench/gpu.sh)"
  BENCH_BUDGET=$(limit 400)
  if ((BENCH_BUDGET > 30)); then
    BENCH_ARGS=(--out "$WORK/bench" --budget "$((BENCH_BUDGET - 5))")
    ((DRY)) && BENCH_ARGS+=(--cpu-dry-run)
    step bench "$BENCH_BUDGET" bash "$ROOT/bench/gpu.sh" "${BENCH_ARGS[@]}"
    STATUS_BENCH="$(status_of) [${TOOK}s]; $(grep -c '^bench_part_.*: ok' "$WORK/bench/bench-raw.txt" 2>/dev/null) of $(grep -c '^bench_part_' "$WORK/bench/bench-raw.txt" 2>/dev/null) parts ok"
    if [[ -f "$WORK/bench/bench-table.txt" ]]; then
      cp "$WORK/bench/bench-table.txt" "$OUTDIR/bench-table.txt"
      cat "$WORK/bench/bench-table.txt" >> "$SUMMARY"
      cat "$WORK/bench/bench-table.txt"
    fi
    note "bench parts: $(grep '^bench_part_' "$WORK/bench/bench-raw.txt" 2>/dev/null | sed 's/^bench_part_//' | tr '\n' '|' | sed 's/|$//; s/|/ | /g')"
    {
      echo "bench raw figures:"
      sed 's/^/  /' "$WORK/bench/bench-raw.txt" 2>/dev/null
    } >> "$SUMMARY"
  else
    STATUS_BENCH="skipped (no time left)"
  fi
fi

# --- e. summary -------------------------------------------------------------
note ""
note "== status after $(elapsed)s"
note "probe: $STATUS_PROBE"
note "parity: $STATUS_PARITY"
note "train: $STATUS_TRAIN"
note "prefetch: $STATUS_PREFETCH"
note "bench: $STATUS_BENCH"
cp "$CARRY/MANIFEST" "$WORK/MANIFEST" 2>/dev/null
tar -czf "$OUTDIR/details.tar.gz" -C "$WORK" . 2>> "$LOG"
rm -rf "$WORK"
echo "results: $OUTDIR/summary.txt, log.txt, bench-table.txt, details.tar.gz"
