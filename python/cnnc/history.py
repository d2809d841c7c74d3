"""The record of a fit, as Keras's ``History`` callback keeps it."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any, Dict, List, Optional, Sequence

from . import _capi

if TYPE_CHECKING:
    from .model import Model


class History:
    """``history`` maps Keras's metric names to one float per epoch:
    ``loss`` and ``accuracy`` always, ``val_loss`` and ``val_accuracy`` with
    validation data, ``learning_rate`` (the rate of each epoch's last step)
    with a schedule or ReduceLROnPlateau. ``epoch`` lists the epochs' indices
    (from 0, continuing ``initial_epoch``); ``params`` holds the fit's
    ``epochs``, ``steps`` (per epoch) and ``verbose``."""

    def __init__(self, model: Optional["Model"] = None) -> None:
        self.model = model
        self.history: Dict[str, List[float]] = {}
        self.epoch: List[int] = []
        self.params: Dict[str, Any] = {}

    @classmethod
    def from_records(cls, records: Sequence[_capi.EpochRecord],
                     first_epoch: int, validation: bool, learning_rate: bool,
                     model: Optional["Model"] = None) -> "History":
        history = cls(model)
        for index, record in enumerate(records):
            history.append(first_epoch + index,
                           logs_of(record, validation, learning_rate))
        return history

    def append(self, epoch: int, logs: Dict[str, float]) -> None:
        self.epoch.append(epoch)
        for key, value in logs.items():
            self.history.setdefault(key, []).append(value)

    def __repr__(self) -> str:
        return (f"<cnnc.History epochs={len(self.epoch)} "
                f"keys={list(self.history)}>")


def logs_of(record: _capi.EpochRecord, validation: bool,
            learning_rate: bool) -> Dict[str, float]:
    """Keras's epoch logs of a C history record."""
    logs = {"loss": record.loss, "accuracy": record.accuracy}
    if validation and not math.isnan(record.val_loss):
        logs["val_loss"] = record.val_loss
        logs["val_accuracy"] = record.val_accuracy
    if learning_rate:
        logs["learning_rate"] = record.learning_rate
    return logs
