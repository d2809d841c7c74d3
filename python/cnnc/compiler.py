"""``cnnc.compile``: the driver turns a model file into a library, which is
loaded as a :class:`~cnnc.Model`; ``cnnc.load`` loads one built before."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time
import warnings
from pathlib import Path
from typing import Any, List, Optional, Sequence, Union

from . import _paths
from .data import Rescale
from .errors import CompileError, CompileWarning
from .model import Model, PathLike
from .optimizers import LearningRate, Optimizer, get as get_optimizer

#: Keras's names of the losses the driver compiles (``--loss``).
LOSSES = {
    "sparse_categorical_crossentropy": "sparse_categorical_crossentropy",
    "categorical_crossentropy": "categorical_crossentropy",
    "mean_squared_error": "mean_squared_error",
    "mse": "mean_squared_error",
}

#: Keras names of the accuracy every cnnc model reports.
ACCURACY_METRICS = {"accuracy", "acc", "sparse_categorical_accuracy"}


def driver_flags(flags: dict) -> List[str]:
    """Keyword arguments as driver flags: ``parallel=False`` is
    ``--parallel=false``, ``nesterov=True`` ``--nesterov``, ``mcpu="znver4"``
    ``--mcpu=znver4``, ``O=2`` ``-O2``."""
    result = []
    for key, value in flags.items():
        if key == "O":
            result.append(f"-O{value}")
            continue
        name = "--" + key.replace("_", "-")
        if value is True:
            result.append(name)
        elif value is False:
            result.append(f"{name}=false")
        elif isinstance(value, (list, tuple)):
            result.append(f"{name}={','.join(str(v) for v in value)}")
        else:
            result.append(f"{name}={value}")
    return result


def _first_error(stderr: str) -> str:
    lines = [line for line in stderr.splitlines() if line.strip()]
    for line in lines:
        if "error" in line:
            return line.strip()
    return lines[0].strip() if lines else "cnnc: compilation failed"


def compile(path: PathLike, target: str = "cpu",
            optimizer: Union[str, Optimizer, None] = None,
            loss: Optional[str] = None,
            metrics: Optional[Sequence[str]] = None, *,
            learning_rate: Optional[LearningRate] = None, seed: int = 1,
            threads: Optional[int] = None, output: Optional[PathLike] = None,
            rescale: Rescale = None,
            class_names: Optional[Sequence[str]] = None,
            **flags: Any) -> Model:
    """Compiles a model with the cnnc driver and loads it.

    Args:
        path: a ``.mlir`` model in the cnn dialect; ``.keras`` and ``.h5``
            files are passed to the driver as they are (its Keras importer
            reads them; their saved weights are loaded).
        target: ``"cpu"`` (the host CPU), ``"nvptx"`` (NVIDIA GPU) or
            ``"nvptx-emulated"``.
        optimizer: ``"adam"``, ``"adamw"``, ``"sgd"``, ``"rmsprop"``, an
            :mod:`cnnc.optimizers` object, ``"none"`` (inference only), or
            None for the driver's default (Adam; a Keras file's own).
        loss: ``"sparse_categorical_crossentropy"`` (the default: integer
            labels, logits), ``"categorical_crossentropy"`` or
            ``"mean_squared_error"``; always from the model's logits.
        metrics: Keras's ``["accuracy"]`` may be given; accuracy is always
            reported.
        learning_rate: a float or a :mod:`cnnc.schedules` schedule; default
            the optimizer object's, else Keras's default for the optimizer.
        seed: initializes the parameters and keys shuffling and dropout
            (cnnc-train's ``--seed``).
        threads: threads of the kernels (default: ``CNNC_NUM_THREADS``,
            ``OMP_NUM_THREADS``, every core).
        output: where to keep the library (default: a temporary directory
            removed with the model).
        rescale: see :attr:`cnnc.Model.rescale`.
        class_names: names of the classes, written into checkpoints.
        **flags: more driver flags (``parallel=False``,
            ``disable="fuse-epilogues"``, ``mcpu="znver4"``, ``O=2``).
    """
    source = Path(os.fspath(path))
    if not source.is_file():
        raise FileNotFoundError(f"{source}: no such model file")
    unknown = set(metrics or ()) - ACCURACY_METRICS
    if unknown:
        raise ValueError(f"metrics: cnnc reports loss and accuracy; "
                         f"{sorted(unknown)} are not supported")
    args = driver_flags(flags)
    if target not in ("cpu", "host"):
        args.append(f"--target={target}")
    if isinstance(optimizer, str) and optimizer == "none":
        args.append("--optimizer=none")
    elif optimizer is not None:
        chosen = get_optimizer(optimizer)
        args += chosen.flags()
        if learning_rate is None and isinstance(optimizer, Optimizer):
            learning_rate = chosen.learning_rate
    if loss is not None:
        if loss not in LOSSES:
            raise ValueError(f"loss must be one of {', '.join(LOSSES)}, not "
                             f"{loss!r}")
        args.append(f"--loss={LOSSES[loss]}")

    temporary = None if output is not None else tempfile.mkdtemp(
        prefix="cnnc-")
    library = Path(os.fspath(output)) if output is not None else \
        Path(temporary) / f"{source.stem}.so"
    cleanup = (lambda: shutil.rmtree(temporary, ignore_errors=True)) \
        if temporary else None
    try:
        summary = _run_driver(source, library, args)
        model = Model(library, seed=seed, learning_rate=learning_rate,
                      threads=threads, rescale=rescale,
                      class_names=class_names, summary_text=summary,
                      cleanup=cleanup)
    except BaseException:
        if cleanup:
            cleanup()
        raise
    model.source = str(source)
    _load_keras_weights(model, library)
    return model


def _run_driver(source: Path, library: Path, args: List[str]) -> str:
    """Runs ``cnnc --summary SOURCE -o LIBRARY ARGS``; returns the summary."""
    driver = _paths.find_driver()
    command = [str(driver), "--summary", str(source), "-o", str(library)]
    command += args
    started = time.time()
    result = subprocess.run(command, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    if result.returncode != 0:
        raise CompileError(_first_error(result.stderr), result.stderr)
    if not library.is_file() or library.stat().st_mtime < started - 1:
        raise CompileError(f"{driver}: wrote no library {library}",
                           result.stderr)
    _warn(result.stderr)
    return result.stdout


def _warn(stderr: str) -> None:
    """The driver's warnings as :class:`CompileWarning`\\ s, one per line
    (``file:line:col: warning: ...`` or ``cnnc: warning: ...``)."""
    for line in stderr.splitlines():
        if "warning: " not in line:
            continue
        prefix, _, message = line.partition("warning: ")
        location = prefix.strip().rstrip(":")
        if location and location != "cnnc":
            message = f"{location}: {message}"
        warnings.warn(message, CompileWarning, stacklevel=4)


def _load_keras_weights(model: Model, library: Path) -> None:
    """A Keras model's saved weights: the driver writes them next to the
    library (``X.weights``) when its importer read a .keras/.h5 file."""
    weights = library.with_suffix(".weights")
    if model.source.endswith((".keras", ".h5")) and weights.is_file():
        model.load_weights(weights)


def load(library: PathLike, *, seed: int = 1,
         learning_rate: Optional[LearningRate] = None,
         threads: Optional[int] = None, rescale: Rescale = None,
         class_names: Optional[Sequence[str]] = None) -> Model:
    """Loads a library built by ``cnnc model.mlir -o model.so`` (the one
    cnnc-train runs), with fresh parameters from ``seed``."""
    path = Path(os.fspath(library))
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no such library")
    model = Model(path, seed=seed, learning_rate=learning_rate,
                  threads=threads, rescale=rescale, class_names=class_names)
    model.source = str(path)
    return model
