"""Optimizers compiled into the model's train_step (Keras 3's definitions and
defaults, docs/training.md). Each becomes the driver's ``--optimizer`` and
hyperparameter flags; its learning rate (a float or a schedule) is the
model's :attr:`cnnc.Model.learning_rate`, an argument of every step.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import List, Optional, Union

from .schedules import LearningRateSchedule

LearningRate = Union[float, LearningRateSchedule]


@dataclass
class Optimizer:
    learning_rate: LearningRate = 0.001
    weight_decay: Optional[float] = None

    name = ""

    def flags(self) -> List[str]:
        """The driver flags that compile this optimizer."""
        flags = [f"--optimizer={self.name}"]
        if self.weight_decay is not None:
            flags.append(f"--weight-decay={self.weight_decay!r}")
        return flags


@dataclass
class Adam(Optimizer):
    beta_1: float = 0.9
    beta_2: float = 0.999
    epsilon: float = 1e-7

    name = "adam"

    def flags(self) -> List[str]:
        return super().flags() + [f"--beta1={self.beta_1!r}",
                                  f"--beta2={self.beta_2!r}",
                                  f"--epsilon={self.epsilon!r}"]


@dataclass
class AdamW(Adam):
    weight_decay: Optional[float] = 0.004

    name = "adamw"


@dataclass
class SGD(Optimizer):
    learning_rate: LearningRate = 0.01
    momentum: float = 0.0
    nesterov: bool = False

    name = "sgd"

    def flags(self) -> List[str]:
        flags = super().flags() + [f"--momentum={self.momentum!r}"]
        return flags + (["--nesterov"] if self.nesterov else [])


@dataclass
class RMSprop(Optimizer):
    rho: float = 0.9
    momentum: float = 0.0
    epsilon: float = 1e-7
    centered: bool = False

    name = "rmsprop"

    def flags(self) -> List[str]:
        flags = super().flags() + [f"--rho={self.rho!r}",
                                   f"--momentum={self.momentum!r}",
                                   f"--epsilon={self.epsilon!r}"]
        return flags + (["--centered"] if self.centered else [])


_BY_NAME = {cls.name: cls for cls in (Adam, AdamW, SGD, RMSprop)}


def get(optimizer: Union[str, Optimizer]) -> Optimizer:
    """An optimizer from its Keras name ("adam", "sgd", ...) or itself."""
    if isinstance(optimizer, Optimizer):
        return optimizer
    if isinstance(optimizer, str) and optimizer.lower() in _BY_NAME:
        return _BY_NAME[optimizer.lower()]()
    raise ValueError(f"optimizer must be one of {', '.join(_BY_NAME)} or a "
                     f"cnnc.optimizers.Optimizer, not {optimizer!r}")


def default_learning_rate(name: str) -> float:
    """Keras's default learning rate of the optimizer compiled as ``name``."""
    return _BY_NAME[name]().learning_rate if name in _BY_NAME else 0.001
