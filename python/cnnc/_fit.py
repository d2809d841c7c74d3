"""One call of :meth:`cnnc.Model.fit`: its options, the C fit loop, the
callbacks it calls back into Python, Ctrl-C.

Everything numeric happens in ``cnnrt_fit`` (runtime/train/Fit.c), the loop
``cnnc-train`` runs: this module only fills ``cnnrt_fit_options`` the way
cnnc-train's command line does (tools' ToolFit.c), so that both compute
bit-identical steps for the same data, seed and options.
"""

from __future__ import annotations

import ctypes
import math
import os
import signal
import threading
import time
import warnings
from typing import TYPE_CHECKING, List, Optional, Sequence, Tuple

from . import _capi
from .callbacks import (Callback, EarlyStopping, ModelCheckpoint,
                        ReduceLROnPlateau)
from .data import ArrayLike
from .errors import CnncError, DataError
from .history import History, logs_of
from .progress import Progress, resolve_verbose
from .schedules import LearningRateSchedule

if TYPE_CHECKING:
    from .model import Model


def class_name_array(names: Optional[Sequence[str]]):
    """``const char *const *`` for class names (None when there are none)."""
    if not names:
        return None
    return (ctypes.c_char_p * len(names))(*(n.encode() for n in names))


def _positive_int(value, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise ValueError(f"{name} must be a positive integer, not {value!r}")
    return value


class FitRun:
    """Builds the options of one fit, runs it and collects its History."""

    def __init__(self, model: "Model", *, batch_size: int, epochs: int,
                 verbose, callbacks: List, initial_epoch: Optional[int],
                 steps_per_epoch: Optional[int], seed: Optional[int]) -> None:
        self.model = model
        if not model.has_training:
            raise CnncError(f"{model.library}: model compiled without "
                            f"training (--optimizer=none)")
        self.batch_size = _positive_int(batch_size, "batch_size")
        if isinstance(epochs, bool) or not isinstance(epochs, int) or \
                epochs < 0:
            raise ValueError(f"epochs must be a non-negative integer, not "
                             f"{epochs!r}")
        self.epochs = epochs
        self.initial_epoch = initial_epoch
        self.steps_per_epoch = (None if steps_per_epoch is None else
                                _positive_int(steps_per_epoch,
                                              "steps_per_epoch"))
        if seed is not None and not (isinstance(seed, int) and
                                     0 <= seed < 2**64):
            raise ValueError(f"seed must be an integer in [0, 2**64), not "
                             f"{seed!r}")
        self.seed = seed
        self.verbose = resolve_verbose(verbose)
        self._sort_callbacks(callbacks)
        self.options = _capi.FitOptions()
        self.error: Optional[BaseException] = None
        self.interrupted = False

    def _sort_callbacks(self, callbacks: List) -> None:
        self.early: Optional[EarlyStopping] = None
        self.plateau: Optional[ReduceLROnPlateau] = None
        self.every_epoch: Optional[ModelCheckpoint] = None
        self.best: Optional[ModelCheckpoint] = None
        self.python: List[Callback] = []
        for callback in callbacks:
            if not isinstance(callback, Callback):
                raise TypeError(f"callbacks: {callback!r} is not a "
                                f"cnnc.callbacks.Callback")
            slot = {EarlyStopping: "early", ReduceLROnPlateau: "plateau"}.get(
                type(callback))
            if isinstance(callback, ModelCheckpoint):
                slot = "best" if callback.save_best_only else "every_epoch"
            if slot and getattr(self, slot) is not None:
                best_only = " (save_best_only)" if slot == "best" else ""
                raise ValueError(f"callbacks: more than one "
                                 f"{type(callback).__name__}{best_only}")
            if slot:
                setattr(self, slot, callback)
            else:
                self.python.append(callback)
            callback.set_model(self.model)
        self.batch_hooks = [c for c in self.python
                            if type(c).on_train_batch_end
                            is not Callback.on_train_batch_end
                            or "on_train_batch_end" in vars(c)]

    # --- data ----------------------------------------------------------------

    def set_data(self, x: ArrayLike, y: ArrayLike, validation_split: float,
                 validation_data: Optional[Tuple[ArrayLike, ArrayLike]]
                 ) -> None:
        if y is None:
            raise TypeError("fit: y (the labels) is required")
        if validation_data is not None and validation_split:
            raise ValueError("fit: give validation_data or validation_split, "
                             "not both")
        self.train = self.model._data(x, y, "training data")
        train_view = self.train.view()
        validation_view = _capi.DataView(None, 0, 0)
        self.validation = None
        if validation_data is not None:
            if not isinstance(validation_data, (tuple, list)) or \
                    len(validation_data) != 2:
                raise ValueError("fit: validation_data must be a tuple "
                                 "(x_val, y_val)")
            self.validation = self.model._data(
                validation_data[0], validation_data[1], "validation data",
                "validation_data[0]", "validation_data[1]")
            validation_view = self.validation.view()
        elif validation_split:
            if not 0.0 < validation_split < 1.0:
                raise ValueError(f"fit: validation_split must be in (0, 1), "
                                 f"not {validation_split}")
            all_images = train_view
            train_view = _capi.DataView()
            if self.model._libs.train.cnnrt_validation_split(
                    all_images, float(validation_split),
                    ctypes.byref(train_view), ctypes.byref(validation_view)):
                raise DataError(str(self.model._libs.train_error()))
        self.options.train = train_view
        self.options.validation = validation_view

    # --- options -------------------------------------------------------------

    def _fill_options(self) -> None:
        model, options, state = self.model, self.options, self.model._state
        rate = model.learning_rate
        if isinstance(rate, LearningRateSchedule):
            options.schedule = rate.schedule()
            rate = rate.initial_learning_rate
        if not (isinstance(rate, (int, float)) and math.isfinite(rate) and
                rate >= 0):
            raise ValueError(f"learning_rate must be a finite number >= 0 or "
                             f"a cnnc.schedules schedule, not {rate!r}")
        options.learning_rate = float(rate)
        options.batch_size = self.batch_size
        options.max_steps = self.steps_per_epoch or 0
        if self.initial_epoch is None:
            options.epochs = state.epoch + self.epochs
            self.display_offset, self.display_epochs = state.epoch, self.epochs
        else:
            if self.initial_epoch != state.epoch:
                raise ValueError(f"fit: initial_epoch={self.initial_epoch}, "
                                 f"but the model has completed "
                                 f"{state.epoch} epochs")
            options.epochs = self.epochs
            self.display_offset, self.display_epochs = 0, self.epochs
        if self.early:
            options.early_stopping = self.early.options()
        if self.plateau:
            options.plateau = self.plateau.options()
        if self.every_epoch:
            options.checkpoint = os.fsencode(self.every_epoch.filepath)
        if self.best:
            options.best_checkpoint = os.fsencode(self.best.filepath)
            options.best_monitor = self.best.monitor_id
        options.best_params = model._best.ctypes.data
        self.class_names = class_name_array(model.class_names)
        options.class_names = self.class_names
        options.num_class_names = len(model.class_names or [])

    def _prepare_state(self) -> None:
        """Keras starts every fit's callbacks afresh; a run loaded from a
        checkpoint or stopped mid-epoch continues them (cnnc-train
        --resume)."""
        model, state = self.model, self.model._state
        if not model._resuming:
            state.plateau_best = state.stop_best = state.save_best = math.nan
            state.plateau_wait = state.plateau_cooldown = 0
            state.stop_wait = state.best_epoch = state.stopped = 0
            model._has_best = False
        mid_epoch = state.batch > 0 or state.seen > 0
        if mid_epoch and (state.batch_size != self.batch_size or
                          state.train_examples != self.options.train.count or
                          (self.seed is not None and self.seed != state.seed)):
            warnings.warn(f"epoch {state.epoch + 1} stopped after "
                          f"{state.batch} batches; it starts over (other "
                          f"batch size, training data or seed)")
            state.batch = state.correct = state.seen = 0
            state.loss_sum = 0.0
        if self.seed is not None:
            state.seed = self.seed
        model.stop_training = False

    # --- the loop ------------------------------------------------------------

    def run(self) -> History:
        self._fill_options()
        self._prepare_state()
        model, state = self.model, self.model._state
        self.history = History(model)
        self.progress = Progress(self.verbose, self.display_epochs)
        self.lr_scale, self.save_best = state.lr_scale, state.save_best
        self.steps = 0
        for callback in self.python:
            callback.on_train_begin({})
        if state.stopped and self.verbose:
            print(f"Nothing to train: early stopping ended the run after "
                  f"epoch {state.epoch}")
        stats = _capi.FitStats()
        hooks = _capi.FitCallbacks(None, _capi.EpochBeginFn(self._epoch_begin),
                                   _capi.BatchEndFn(self._batch_end),
                                   _capi.EpochEndFn(self._epoch_end))
        libs = model._libs
        with _StopOnInterrupt(self):
            failed = libs.train.cnnrt_fit(
                model._instance, ctypes.byref(self.options),
                ctypes.byref(state), ctypes.byref(model._native.history),
                ctypes.byref(hooks), ctypes.byref(stats))
        if stats.steps > 0:  # else the run is as it was (a loaded one too)
            model._resuming = state.batch > 0 or state.seen > 0
        if self.early and self.early.restore_best_weights and \
                state.best_epoch > 0:
            model._has_best = True
        if self.error is not None:
            raise self.error
        if failed:
            raise libs.train_error()
        self.history.params = {"verbose": self.verbose, "epochs":
                               self.display_epochs, "steps": self.steps}
        model.history = self.history
        if stats.stopped and self.interrupted:
            self._interrupted()
        for callback in self.python:
            callback.on_train_end({})
        return self.history

    def _interrupted(self) -> None:
        model, state = self.model, self.model._state
        self.progress.interrupted()
        where = f"Interrupted at epoch {state.epoch + 1}, batch {state.batch}"
        if self.every_epoch:
            model.save_checkpoint(self.every_epoch.filepath)
            where += f": saved {self.every_epoch.filepath}"
        if self.verbose:
            print(where + " (fit again to continue)")
        raise KeyboardInterrupt(where)

    def _guard(self, function, *args) -> int:
        """Runs a hook; an exception stops training and is raised later."""
        if self.error is not None:
            return 1
        try:
            return function(*args)
        except BaseException as error:  # noqa: B902 - re-raised after the loop
            self.error = error
            return 1

    def _epoch_begin(self, context, epoch: int, epochs: int,
                     steps: int) -> None:
        self._guard(self._on_epoch_begin, epoch, steps)

    def _on_epoch_begin(self, epoch: int, steps: int) -> int:
        self.steps = steps
        self.epoch_start = time.monotonic()
        shown = epoch - self.display_offset
        self.progress.epoch_begin(shown, steps)
        for callback in self.python:
            callback.on_epoch_begin(shown, {})
        return 0

    def _batch_end(self, context, done: int, steps: int, loss: float,
                   accuracy: float) -> int:
        return self._guard(self._on_batch_end, done, loss, accuracy)

    def _on_batch_end(self, done: int, loss: float, accuracy: float) -> int:
        self.progress.batch_end(done, loss, accuracy)
        for callback in self.batch_hooks:
            callback.on_train_batch_end(done - 1, {"loss": loss,
                                                   "accuracy": accuracy})
        return int(self.interrupted or self.model.stop_training)

    def _epoch_end(self, context, epoch: int, epochs: int, record,
                   seconds: float) -> int:
        return self._guard(self._on_epoch_end, epoch, record.contents, seconds)

    def _on_epoch_end(self, epoch: int, record: _capi.EpochRecord,
                      seconds: float) -> int:
        history = self.model._native.history
        logs = logs_of(record, bool(history.has_validation),
                       bool(history.has_learning_rate))
        shown = epoch - self.display_offset
        self.progress.epoch_end(logs, seconds, self.steps)
        self._callback_messages(shown)
        self.history.append(shown, logs)
        for callback in self.python:
            callback.on_epoch_end(shown, dict(logs))
        return int(self.model.stop_training)

    def _callback_messages(self, shown: int) -> None:
        """Keras's messages of the callbacks carried out in C."""
        state = self.model._state
        if self.plateau and state.lr_scale != self.lr_scale:
            self.lr_scale = state.lr_scale
            rate = self.options.learning_rate * state.lr_scale
            if self.plateau.verbose:
                print(f"Epoch {shown + 1}: ReduceLROnPlateau reducing "
                      f"learning rate to {rate:.4g}.")
        if self.best and state.save_best != self.save_best:
            if self.best.verbose:
                print(f"Epoch {shown + 1}: {self.best.monitor} improved from "
                      f"{self.save_best:.5f} to {state.save_best:.5f}, saving "
                      f"model to {self.best.filepath}")
            self.save_best = state.save_best
        if self.every_epoch and self.every_epoch.verbose:
            print(f"Epoch {shown + 1}: saving model to "
                  f"{self.every_epoch.filepath}")
        if self.early and state.stopped and \
                state.epoch == shown + self.display_offset + 1:
            self.early.stopped_epoch = shown
            if self.early.verbose:
                print(f"Epoch {shown + 1}: early stopping")
                if self.early.restore_best_weights:
                    print(f"Restoring model weights from the end of the best "
                          f"epoch: {state.best_epoch - self.display_offset}.")


class _StopOnInterrupt:
    """Ctrl-C during the loop asks it to stop after the current batch (the
    next batch-end hook sees the flag), as cnnc-train does. Python handlers
    can only be set from the main thread; elsewhere KeyboardInterrupt is
    left to Python. A process that ignores SIGINT (a background job) keeps
    ignoring it."""

    def __init__(self, run: FitRun) -> None:
        self.run = run
        self.previous = None

    def _handler(self, signum, frame) -> None:
        self.run.interrupted = True

    def __enter__(self) -> "_StopOnInterrupt":
        if threading.current_thread() is threading.main_thread() and \
                signal.getsignal(signal.SIGINT) is not signal.SIG_IGN:
            self.previous = signal.signal(signal.SIGINT, self._handler)
        return self

    def __exit__(self, *exc) -> None:
        if self.previous is not None:
            signal.signal(signal.SIGINT, self.previous)
