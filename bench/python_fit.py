#!/usr/bin/env python3
"""What the Python binding costs: Model.fit against cnnc-train's loop.

Both train the reference CNN (examples/fashion_mnist_cnn.mlir, one library)
on the same Fashion-MNIST images (float32 / 255, written as .npz for
cnnc-train), with the same seed, epochs, batch size and threads, so they
take the same steps (the script checks that the losses agree). Per round:

- cnnc-train's loop: the wall time of `cnnc-train --epochs E` minus that of
  a run of one step (`--epochs 1 --max-steps 1`: model and data loading,
  process start and exit), scaled by steps / (steps - 1) for that step;
- Python: the wall time of `model.fit(...)` in this process (a fresh
  instance each round; verbose=2, the epoch lines cnnc-train prints).

Both wall time and CPU time (user + system, every thread) are measured;
CPU time is the steadier figure on a shared machine, where other
processes' load moves the wall times by more than the binding costs
(`--threads 1` keeps OpenMP's spinning out of it). Rounds alternate the
order of the two; the results are ratios of medians. Target: the binding
costs < 3%.

The Python side is also timed from the inside, which no load on the machine
skews against the steps: the time `fit` spends outside `cnnrt_fit`
(checks, arrays, options) plus the time in the hooks `cnnrt_fit` calls back
(progress, Ctrl-C), as a share of the fit.

    python3 bench/python_fit.py [--images 20000] [--epochs 1] [--batch 32]
                                [--rounds 5] [--threads N]
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "python"))

import cnnc  # noqa: E402
from cnnc import _capi, _fit, _paths  # noqa: E402


class PythonShare:
    """Accumulates the time Model.fit spends in cnnrt_fit and in the Python
    hooks cnnrt_fit calls (patched in, for this benchmark only)."""

    def __init__(self) -> None:
        self.loop = self.hooks = 0.0
        self.calls = 0
        train = _capi.load().train
        original = train.cnnrt_fit

        def timed_fit(*args):
            start = time.perf_counter()
            try:
                return original(*args)
            finally:
                self.loop += time.perf_counter() - start

        train.cnnrt_fit = timed_fit
        for name in ("_epoch_begin", "_batch_end", "_epoch_end"):
            setattr(_fit.FitRun, name,
                    self._timed(getattr(_fit.FitRun, name)))

    def _timed(self, method):
        def timed(run, *args):
            start = time.perf_counter()
            try:
                return method(run, *args)
            finally:
                self.hooks += time.perf_counter() - start
                self.calls += 1
        return timed

    def reset(self) -> None:
        self.loop = self.hooks = 0.0
        self.calls = 0


def run_cnnc_train(tool: Path, library: Path, data: Path, epochs: int,
                   batch: int, threads: int, *extra: str) -> tuple:
    """Wall and CPU seconds of one cnnc-train fit, its epoch losses."""
    command = [str(tool), str(library), "--data", "npz", "--data-file",
               str(data), "--epochs", str(epochs), "--batch", str(batch),
               "--threads", str(threads), "--seed", "1", "--progress",
               "plain", *extra]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    result = subprocess.run(command, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    seconds = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime +
                                               before.ru_stime)
    if result.returncode != 0:
        sys.exit(f"python_fit: cnnc-train failed: {result.stderr.strip()}")
    losses = [float(m) for m in re.findall(r" - loss: ([0-9.]+)",
                                           result.stdout)]
    return seconds, cpu, losses


def run_python(library: Path, x: np.ndarray, y: np.ndarray, epochs: int,
               batch: int, threads: int) -> tuple:
    """Wall and CPU seconds of one Model.fit, its epoch losses."""
    with cnnc.load(library, seed=1, threads=threads) as model:
        cpu = time.process_time()
        start = time.perf_counter()
        history = model.fit(x, y, epochs=epochs, batch_size=batch, verbose=2)
        seconds = time.perf_counter() - start
        cpu = time.process_time() - cpu
    return seconds, cpu, history.history["loss"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=20000)
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--threads", type=int, default=os.cpu_count())
    args = parser.parse_args()

    tool = _paths.find_train_tool()
    (x, y), _ = cnnc.datasets.fashion_mnist.load_data()
    x = x[:args.images].astype(np.float32) / np.float32(255)
    y = y[:args.images]
    with tempfile.TemporaryDirectory(prefix="cnnc-bench-") as temp:
        temp_dir = Path(temp)
        library = temp_dir / "model.so"
        cnnc.compile(ROOT / "examples" / "fashion_mnist_cnn.mlir",
                     output=library).close()
        data = temp_dir / "data.npz"
        np.savez(data, x_train=x, y_train=y)
        c_loop, python_fit, c_start, c_cpu, python_cpu = [], [], [], [], []
        share, python_shares, hook_calls = PythonShare(), [], 0
        steps = -(-args.images // args.batch) * args.epochs
        same = True
        for round_ in range(args.rounds):
            def c_run():
                seconds, cpu, losses = run_cnnc_train(
                    tool, library, data, args.epochs, args.batch, args.threads)
                base, base_cpu, _ = run_cnnc_train(
                    tool, library, data, 1, args.batch, args.threads,
                    "--max-steps", "1")
                scale = steps / (steps - 1)
                c_loop.append((seconds - base) * scale)
                c_cpu.append((cpu - base_cpu) * scale)
                c_start.append(base)
                return losses

            def python_run():
                share.reset()
                seconds, cpu, losses = run_python(library, x, y, args.epochs,
                                                  args.batch, args.threads)
                python_fit.append(seconds)
                python_cpu.append(cpu)
                python_shares.append((seconds - share.loop + share.hooks) /
                                     seconds)
                nonlocal hook_calls
                hook_calls = share.calls
                return losses

            first, second = (c_run, python_run) if round_ % 2 == 0 else \
                (python_run, c_run)
            a, b = first(), second()
            c_losses, py_losses = (a, b) if round_ % 2 == 0 else (b, a)
            same &= c_losses == [round(v, 4) for v in py_losses]
            print(f"round {round_ + 1}: cnnc-train loop {c_loop[-1]:.2f}s "
                  f"(CPU {c_cpu[-1]:.2f}s), Python fit {python_fit[-1]:.2f}s "
                  f"(CPU {python_cpu[-1]:.2f}s)", flush=True)
    images = args.images * args.epochs
    c_median = statistics.median(c_loop)
    py_median = statistics.median(python_fit)
    print(f"reference CNN, {args.images} images x {args.epochs} epochs, "
          f"batch {args.batch}, {args.threads} threads, {args.rounds} rounds")
    print(f"cnnc-train loop: median {c_median:.2f}s ({images / c_median:.0f} "
          f"images/s); process start and data loading "
          f"{statistics.median(c_start):.2f}s, not counted")
    print(f"Python Model.fit: median {py_median:.2f}s "
          f"({images / py_median:.0f} images/s)")
    c_cpu_median = statistics.median(c_cpu)
    py_cpu_median = statistics.median(python_cpu)
    print(f"CPU time: cnnc-train loop {c_cpu_median:.2f}s, Python fit "
          f"{py_cpu_median:.2f}s")
    own = 100 * statistics.median(python_shares)
    print(f"Python's own work in fit: {own:.3f}% of its time (outside "
          f"cnnrt_fit, and {hook_calls} hook calls)")
    print(f"same losses: {'yes' if same else 'NO'}")
    print(f"binding overhead: wall {100 * (py_median / c_median - 1):+.1f}%, "
          f"CPU {100 * (py_cpu_median / c_cpu_median - 1):+.1f}% "
          f"(target < 3%)")


if __name__ == "__main__":
    main()
