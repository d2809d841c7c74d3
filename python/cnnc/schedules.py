"""Learning-rate schedules the C training loop computes (train.h's
``cnnrt_lr_schedule``), Keras's ``LearningRateSchedule`` with periods in
epochs: ``max(1, round(epochs x steps per epoch))`` steps.

Pass one as the learning rate: ``cnnc.compile(..., learning_rate=
cnnc.schedules.CosineDecay(1e-3))`` or ``model.learning_rate = ...``.
"""

from __future__ import annotations

from typing import Optional

from . import _capi


class LearningRateSchedule:
    """Base class: a function of the optimizer steps taken."""

    initial_learning_rate: float

    def schedule(self) -> _capi.LrSchedule:
        raise NotImplementedError


class ExponentialDecay(LearningRateSchedule):
    """``lr x decay_rate ** (step / decay_steps)`` (with ``staircase``, the
    exponent rounded down): Keras's ``ExponentialDecay`` with
    ``decay_steps = decay_epochs`` epochs (``cnnc-train --lr-schedule
    exponential:RATE:EPOCHS`` or ``step:EPOCHS:RATE``)."""

    def __init__(self, initial_learning_rate: float, decay_epochs: float,
                 decay_rate: float, staircase: bool = False) -> None:
        if not 0.0 < decay_rate <= 1.0:
            raise ValueError(f"ExponentialDecay: decay_rate must be in "
                             f"(0, 1], got {decay_rate}")
        if not 0.0 < decay_epochs < float("inf"):
            raise ValueError(f"ExponentialDecay: decay_epochs must be "
                             f"positive, got {decay_epochs}")
        self.initial_learning_rate = float(initial_learning_rate)
        self.decay_epochs, self.decay_rate = decay_epochs, decay_rate
        self.staircase = staircase

    def schedule(self) -> _capi.LrSchedule:
        kind = _capi.LR_STEP if self.staircase else _capi.LR_EXPONENTIAL
        return _capi.LrSchedule(kind, float(self.decay_rate),
                                float(self.decay_epochs), 0.0)


class CosineDecay(LearningRateSchedule):
    """Cosine decay from the learning rate to ``alpha`` times it over
    ``decay_epochs`` epochs (None: the whole fit), then constant: Keras's
    ``CosineDecay`` (``cnnc-train --lr-schedule cosine:ALPHA:EPOCHS``)."""

    def __init__(self, initial_learning_rate: float,
                 decay_epochs: Optional[float] = None,
                 alpha: float = 0.0) -> None:
        if not 0.0 <= alpha <= 1.0:
            raise ValueError(f"CosineDecay: alpha must be in [0, 1], got "
                             f"{alpha}")
        if decay_epochs is not None and not 0.0 < decay_epochs < float("inf"):
            raise ValueError(f"CosineDecay: decay_epochs must be positive, "
                             f"got {decay_epochs}")
        self.initial_learning_rate = float(initial_learning_rate)
        self.decay_epochs, self.alpha = decay_epochs, alpha

    def schedule(self) -> _capi.LrSchedule:
        return _capi.LrSchedule(_capi.LR_COSINE, 0.0,
                                float(self.decay_epochs or 0.0),
                                float(self.alpha))
