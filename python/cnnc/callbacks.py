"""Keras-style callbacks for :meth:`cnnc.Model.fit`.

:class:`EarlyStopping`, :class:`ReduceLROnPlateau` and :class:`ModelCheckpoint`
are carried out by the C training loop (train.h), exactly as ``cnnc-train
--early-stopping/--reduce-lr-on-plateau/--checkpoint/--save-best`` do; their
state is part of the checkpoints. Subclasses of :class:`Callback` (and
:class:`LambdaCallback`) run Python code at the epoch and batch ends, as
Keras's do; setting ``model.stop_training = True`` in one stops training.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any, Callable, Dict, Optional, Union

from . import _capi

if TYPE_CHECKING:
    from .model import Model

Logs = Dict[str, float]


class Callback:
    """Base class of Python callbacks (Keras's ``keras.callbacks.Callback``).

    The hooks the C loop can call: train begin/end, epoch begin/end and
    ``on_train_batch_end`` (only called when overridden: per-batch Python
    costs a few microseconds a step). There is no batch-begin hook.
    """

    def __init__(self) -> None:
        self.model: Optional["Model"] = None

    def set_model(self, model: "Model") -> None:
        self.model = model

    def on_train_begin(self, logs: Optional[Logs] = None) -> None:
        """Called once before the first epoch of a fit."""

    def on_train_end(self, logs: Optional[Logs] = None) -> None:
        """Called once after the last epoch of a fit."""

    def on_epoch_begin(self, epoch: int, logs: Optional[Logs] = None) -> None:
        """Called at the start of each epoch (``epoch`` counts from 0)."""

    def on_epoch_end(self, epoch: int, logs: Optional[Logs] = None) -> None:
        """Called after each epoch with its loss, accuracy and val_* values."""

    def on_train_batch_end(self, batch: int,
                           logs: Optional[Logs] = None) -> None:
        """Called after each batch with the epoch's running loss/accuracy."""


class LambdaCallback(Callback):
    """A callback made of functions (Keras's ``LambdaCallback``)."""

    def __init__(self,
                 on_epoch_begin: Optional[Callable[[int, Logs], Any]] = None,
                 on_epoch_end: Optional[Callable[[int, Logs], Any]] = None,
                 on_train_batch_end: Optional[Callable[[int, Logs], Any]]
                 = None,
                 on_train_begin: Optional[Callable[[Logs], Any]] = None,
                 on_train_end: Optional[Callable[[Logs], Any]] = None) -> None:
        super().__init__()
        for name, function in (("on_epoch_begin", on_epoch_begin),
                               ("on_epoch_end", on_epoch_end),
                               ("on_train_batch_end", on_train_batch_end),
                               ("on_train_begin", on_train_begin),
                               ("on_train_end", on_train_end)):
            if function is not None:
                setattr(self, name, function)


def _monitor(monitor: str, mode: str, who: str) -> int:
    if monitor not in _capi.MONITORS:
        raise ValueError(f"{who}: monitor must be one of "
                         f"{', '.join(_capi.MONITORS)}, not {monitor!r}")
    natural = "max" if monitor.endswith("accuracy") else "min"
    if mode not in ("auto", natural):
        raise ValueError(f"{who}: mode={mode!r} with monitor={monitor!r}; "
                         f"cnnc supports mode 'auto' ({natural})")
    return _capi.MONITORS[monitor]


def _non_negative(value: float, name: str, who: str) -> None:
    if not value >= 0:
        raise ValueError(f"{who}: {name} must not be negative, got {value}")


class EarlyStopping(Callback):
    """Stop after ``patience`` epochs without an improvement of the monitored
    value by more than ``min_delta`` (Keras's ``EarlyStopping``; never after
    the first epoch). With ``restore_best_weights`` the parameters of the best
    epoch are put back when it stops."""

    def __init__(self, monitor: str = "val_loss", min_delta: float = 0.0,
                 patience: int = 0, verbose: int = 0, mode: str = "auto",
                 restore_best_weights: bool = False) -> None:
        super().__init__()
        self.monitor_id = _monitor(monitor, mode, "EarlyStopping")
        _non_negative(min_delta, "min_delta", "EarlyStopping")
        _non_negative(patience, "patience", "EarlyStopping")
        self.monitor, self.min_delta = monitor, min_delta
        self.patience = patience
        self.verbose = verbose
        self.restore_best_weights = bool(restore_best_weights)
        self.stopped_epoch = 0

    def options(self) -> _capi.EarlyStoppingOptions:
        return _capi.EarlyStoppingOptions(
            enabled=1, monitor=self.monitor_id, patience=int(self.patience),
            min_delta=float(self.min_delta),
            restore_best_weights=int(self.restore_best_weights))


class ReduceLROnPlateau(Callback):
    """Multiply the learning rate by ``factor`` (not below ``min_lr``) after
    ``patience`` epochs without improvement, then wait ``cooldown`` epochs
    (Keras's ``ReduceLROnPlateau``). The reduction lasts beyond the fit, as
    Keras's change of the optimizer's learning rate does."""

    def __init__(self, monitor: str = "val_loss", factor: float = 0.1,
                 patience: int = 10, verbose: int = 0, mode: str = "auto",
                 min_delta: float = 1e-4, cooldown: int = 0,
                 min_lr: float = 0.0) -> None:
        super().__init__()
        self.monitor_id = _monitor(monitor, mode, "ReduceLROnPlateau")
        if not 0.0 < factor < 1.0:
            raise ValueError(f"ReduceLROnPlateau: factor must be in (0, 1), "
                             f"got {factor}")
        for name, value in (("patience", patience), ("min_delta", min_delta),
                            ("cooldown", cooldown), ("min_lr", min_lr)):
            _non_negative(value, name, "ReduceLROnPlateau")
        self.monitor, self.factor, self.patience = monitor, factor, patience
        self.verbose, self.min_delta = verbose, min_delta
        self.cooldown, self.min_lr = cooldown, min_lr

    def options(self) -> _capi.PlateauOptions:
        return _capi.PlateauOptions(
            enabled=1, monitor=self.monitor_id, factor=float(self.factor),
            patience=int(self.patience), min_delta=float(self.min_delta),
            cooldown=int(self.cooldown), min_lr=float(self.min_lr))


class ModelCheckpoint(Callback):
    """Write a cnnc checkpoint (docs/checkpoint.md) after every epoch, or with
    ``save_best_only`` only when the monitored value improves. The file holds
    everything ``cnnc-train --resume`` and :meth:`cnnc.Model.load_checkpoint`
    need to continue the run exactly (parameters, optimizer state, position,
    callbacks, history); after Ctrl-C the every-epoch checkpoint is also
    written mid-epoch, as cnnc-train does."""

    def __init__(self, filepath: Union[str, "os.PathLike[str]"],
                 monitor: str = "val_loss", verbose: int = 0,
                 save_best_only: bool = False, mode: str = "auto") -> None:
        super().__init__()
        self.filepath = os.fspath(filepath)
        self.monitor_id = _monitor(monitor, mode, "ModelCheckpoint")
        self.monitor, self.verbose = monitor, verbose
        self.save_best_only = bool(save_best_only)
