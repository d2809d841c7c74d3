"""Keras-style console output of :meth:`cnnc.Model.fit`.

``verbose=1``: on a terminal or in a notebook a progress bar redrawn at most
ten times a second, then the epoch's line; elsewhere (logs, pipes) only the
epoch lines. ``verbose=2``: the epoch lines. ``verbose=0``: nothing.
"""

from __future__ import annotations

import sys
import time
from typing import Dict, Optional, TextIO


def interactive(stream: TextIO) -> bool:
    """A terminal, or a Jupyter kernel's redirected stdout."""
    try:
        if stream.isatty():
            return True
    except (AttributeError, ValueError):
        return False
    return "ipykernel" in sys.modules


def resolve_verbose(verbose) -> int:
    if verbose == "auto":
        return 1
    if verbose not in (0, 1, 2):
        raise ValueError(f"verbose must be 0, 1, 2 or 'auto', not {verbose!r}")
    return int(verbose)


def format_logs(logs: Dict[str, float]) -> str:
    parts = []
    for key, value in logs.items():
        text = f"{value:.4g}" if key == "learning_rate" else f"{value:.4f}"
        parts.append(f"{key}: {text}")
    return " - ".join(parts)


def _duration(seconds: float) -> str:
    total = int(round(seconds))
    if total >= 3600:
        return f"{total // 3600}:{total // 60 % 60:02d}:{total % 60:02d}"
    if total >= 60:
        return f"{total // 60}:{total % 60:02d}"
    return f"{total}s"


class Progress:
    """Prints what Keras prints for the epochs of one fit."""

    def __init__(self, verbose: int, epochs: int,
                 stream: Optional[TextIO] = None) -> None:
        self.verbose = verbose
        self.epochs = epochs
        self.stream = stream or sys.stdout
        self.bar = verbose == 1 and interactive(self.stream)
        self.start = self.last_draw = 0.0
        self.steps = 0

    def write(self, text: str) -> None:
        if self.verbose:
            self.stream.write(text)
            self.stream.flush()

    def epoch_begin(self, epoch: int, steps: int) -> None:
        """``epoch``: the displayed index, from 0."""
        self.start = time.monotonic()
        self.last_draw = 0.0
        self.steps = steps
        self.write(f"Epoch {epoch + 1}/{self.epochs}\n")

    def batch_end(self, done: int, loss: float, accuracy: float) -> None:
        if not self.bar:
            return
        now = time.monotonic()
        if done < self.steps and now - self.last_draw < 0.1:
            return
        self.last_draw = now
        width = 30
        filled = width * done // self.steps if self.steps else width
        bar = "=" * filled + "." * (width - filled)
        if 0 < filled < width:
            bar = bar[:filled - 1] + ">" + bar[filled:]
        elapsed = now - self.start
        eta = elapsed / done * (self.steps - done) if done else 0.0
        digits = len(str(self.steps))
        self.write(f"\r{done:{digits}d}/{self.steps} [{bar}] - ETA: "
                   f"{_duration(eta)} - loss: {loss:.4f} - accuracy: "
                   f"{accuracy:.4f}\033[K")

    def epoch_end(self, logs: Dict[str, float], seconds: float,
                  done: int) -> None:
        if not self.verbose:
            return
        per_step = seconds / done * 1e3 if done else 0.0
        line = (f"{done}/{self.steps} - {_duration(seconds)} "
                f"{per_step:.0f}ms/step - {format_logs(logs)}")
        self.write(f"\r{line}\033[K\n" if self.bar else f"{line}\n")

    def interrupted(self) -> None:
        if self.bar:
            self.write("\n")
