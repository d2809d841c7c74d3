"""A compiled model with its parameters, optimizer state and training state.

A :class:`Model` owns one generated library loaded by libcnnrt
(``cnnrt_model``), one instance of it (parameters and optimizer state) and
the training library's run state (``cnnrt_train_state``: steps, epochs,
seed, callbacks' memory) and history, which is what a cnnc-train checkpoint
holds. Create one with :func:`cnnc.compile` or :func:`cnnc.load`.
"""

from __future__ import annotations

import ctypes
import os
import weakref
from typing import (Callable, Dict, List, NamedTuple, Optional, Sequence,
                    Tuple, Union)

import numpy as np

from . import _capi, _fit
from .data import ArrayLike, Data, Rescale, prepare
from .errors import CnncError, DataError
from .history import History
from .optimizers import default_learning_rate
from .schedules import LearningRateSchedule

PathLike = Union[str, "os.PathLike[str]"]


class _Param(NamedTuple):
    """One tensor of the parameter buffer (abi.h's cnnc_param_info)."""
    name: str
    offset: int
    size: int
    shape: Tuple[int, ...]
    trainable: bool


class _Native:
    """The C objects of a model; freed once, by close() or the finalizer."""

    def __init__(self, libs: _capi.Libraries, library: str, seed: int):
        self.libs = libs
        self.model = libs.rt.cnnrt_load(os.fsencode(library))
        if not self.model:
            raise libs.runtime_error()
        self.instance = libs.rt.cnnrt_instance_create(self.model, seed)
        if not self.instance:
            error = libs.runtime_error()
            libs.rt.cnnrt_unload(self.model)
            raise error
        self.history = _capi.History()

    def close(self) -> None:
        if self.instance:
            self.libs.train.cnnrt_history_clear(ctypes.byref(self.history))
            self.libs.rt.cnnrt_instance_destroy(self.instance)
            self.libs.rt.cnnrt_unload(self.model)
            self.instance = self.model = None


class Model:
    """A model compiled by cnnc, ready to ``fit``, ``evaluate``, ``predict``.

    Attributes:
        name: the model's name (its symbol prefix).
        input_shape: ``(height, width, channels)`` of one image.
        num_classes: logits per image.
        optimizer, loss: what the library's train_step was compiled with.
        learning_rate: a float or a :mod:`cnnc.schedules` schedule, passed
            to every step.
        rescale: ``None`` (cnnc-train's default: uint8 images / 255, float
            images as they are) or ``(scale, offset)``: every input image
            becomes ``x * scale + offset``.
        class_names: optional names of the classes, stored in checkpoints.
        history: the :class:`History` of the last fit.
        stop_training: set it from a callback to stop after the batch.
        library: the path of the generated library.
    """

    def __init__(self, library: PathLike, *, seed: int = 1,
                 learning_rate: Optional[Union[float,
                                               LearningRateSchedule]] = None,
                 threads: Optional[int] = None, rescale: Rescale = None,
                 class_names: Optional[Sequence[str]] = None,
                 summary_text: str = "",
                 cleanup: Optional[Callable[[], None]] = None) -> None:
        libs = _capi.load()
        self.library = os.fspath(library)
        #: the model file it was compiled from (the library for cnnc.load)
        self.source = self.library
        if isinstance(seed, bool) or not isinstance(seed, int) or \
                not 0 <= seed < 2**64:
            raise ValueError(f"seed must be an integer in [0, 2**64), not "
                             f"{seed!r}")
        native = _Native(libs, self.library, seed)
        self._libs, self._native = libs, native
        self._finalizer = weakref.finalize(self, _release, native, cleanup)
        # Everything read from the descriptor is copied: it lives in the
        # library, which close() unloads.
        desc = libs.rt.cnnrt_model_desc(native.model).contents
        self._param_table = [
            _Param(desc.params[i].name.decode(), int(desc.params[i].offset),
                   int(desc.params[i].size),
                   tuple(desc.params[i].shape[:desc.params[i].rank]),
                   bool(desc.params[i].trainable))
            for i in range(desc.num_params)]
        self._has_training = bool(desc.train_step)
        self.name = desc.name.decode()
        self.input_shape: Tuple[int, int, int] = tuple(desc.input_shape[1:4])
        self.num_classes = int(desc.num_classes)
        self.optimizer = desc.optimizer.decode()
        self.loss = desc.loss.decode()
        self.target = desc.target.decode()
        self._param_elements = int(desc.param_elements)
        self._state = libs.train.cnnrt_train_state_initial(seed)
        self._best = np.zeros(self._param_elements, dtype=np.float32)
        self._has_best = False  # _best holds EarlyStopping's best parameters
        self._resuming = False
        self.learning_rate = (learning_rate if learning_rate is not None else
                              default_learning_rate(self.optimizer))
        self.rescale = rescale
        self.class_names = list(class_names) if class_names else None
        self.history: Optional[History] = None
        self.stop_training = False
        self._summary_text = summary_text
        if threads is not None:
            self.threads = threads

    # --- properties ----------------------------------------------------------

    @property
    def _instance(self) -> int:
        """The ``cnnrt_instance *`` (raises once the model is closed)."""
        if not self._native.instance:
            raise CnncError(f"{self.library}: the model was closed")
        return self._native.instance

    @property
    def _handle(self) -> int:
        """The ``cnnrt_model *`` (raises once the model is closed)."""
        if not self._native.model:
            raise CnncError(f"{self.library}: the model was closed")
        return self._native.model

    @property
    def seed(self) -> int:
        """The run's seed: shuffling and dropout (and, at compile, the
        parameters' initialization), as cnnc-train's ``--seed``."""
        return int(self._state.seed)

    @property
    def iterations(self) -> int:
        """Optimizer steps taken (Keras's ``optimizer.iterations``)."""
        return int(self._state.step)

    @property
    def epochs_done(self) -> int:
        """Epochs completed since compile (or in the loaded checkpoint)."""
        return int(self._state.epoch)

    @property
    def threads(self) -> int:
        """Threads the kernels run on for calls from this thread."""
        return int(self._libs.rt.cnnrt_num_threads(self._handle))

    @threads.setter
    def threads(self, count: int) -> None:
        if self._libs.rt.cnnrt_set_num_threads(self._handle, int(count)):
            raise self._libs.runtime_error()

    @property
    def has_training(self) -> bool:
        return self._has_training

    def __repr__(self) -> str:
        height, width, channels = self.input_shape
        return (f"<cnnc.Model {self.name!r} input {height}x{width}x"
                f"{channels}, {self.num_classes} classes, "
                f"{self.optimizer or 'inference only'}>")

    # --- lifetime ------------------------------------------------------------

    def close(self) -> None:
        """Frees the instance and unloads the library (also done when the
        model is garbage-collected)."""
        self._finalizer()

    def __enter__(self) -> "Model":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # --- description ---------------------------------------------------------

    def summary(self, print_fn: Callable[[str], None] = print) -> None:
        """Prints the driver's Keras-style summary (layers, output shapes,
        parameter counts, FLOPs); for a model loaded from a library, the
        parameter table."""
        print_fn(self._summary_text.rstrip("\n") or self._parameter_table())

    def _parameter_table(self) -> str:
        lines = [f'Model: "{self.name}" (from {self.library})',
                 f"{'Parameter':<40}{'Shape':<24}{'Count':>12}"]
        trainable = 0
        for param in self._param_table:
            lines.append(f"{param.name:<40}{str(param.shape):<24}"
                         f"{param.size:>12,}")
            trainable += param.size if param.trainable else 0
        lines.append(f"Total params: {self._param_elements:,} (trainable: "
                     f"{trainable:,})")
        return "\n".join(lines)

    # --- inference -----------------------------------------------------------

    def _data(self, x: ArrayLike, y: Optional[ArrayLike],
              label: str = "data", x_name: str = "x",
              y_name: str = "y") -> Data:
        """Converted arrays, checked against the model by the runtime (image
        shape; labels in [0, classes))."""
        data = prepare(x, y, self.num_classes, self.rescale, x_name, y_name)
        view = data.view(0, data.count if y is not None else 0)
        if self._libs.train.cnnrt_check_data(self._handle, view,
                                             label.encode()):
            raise DataError(str(self._libs.train_error()))
        return data

    def predict(self, x: ArrayLike, batch_size: int = 32,
                verbose: Union[int, str] = 0) -> np.ndarray:
        """The model's outputs (logits) for images ``x`` (float32 or uint8,
        ``(n, H, W, C)`` or ``(n, H, W)``), as float32 ``(n, classes)``.
        Softmax them for probabilities. Runs in batches of ``batch_size``,
        reading ``x`` in place when it is C-contiguous float32."""
        _check_batch_size(batch_size)
        data = self._data(x, None)
        out = np.empty((data.count, self.num_classes), dtype=np.float32)
        row = out[0].nbytes if data.count else 0
        for first in range(0, data.count, batch_size):
            size = min(batch_size, data.count - first)
            if self._libs.rt.cnnrt_predict(self._instance,
                                           data.images_pointer(first), size,
                                           out.ctypes.data + first * row):
                raise self._libs.runtime_error()
        if verbose:
            print(f"{data.count}/{data.count} predicted")
        return out

    def evaluate(self, x: ArrayLike, y: ArrayLike, batch_size: int = 32,
                 verbose: Union[int, str] = "auto",
                 return_dict: bool = False
                 ) -> Union[List[float], Dict[str, float]]:
        """``[loss, accuracy]`` over ``(x, y)`` in inference mode (or
        ``{"loss": ..., "accuracy": ...}`` with ``return_dict``), as
        cnnc-train's ``test_loss``/``test_accuracy``."""
        result = self._evaluate(x, y, batch_size, None)
        logs = {"loss": result.loss, "accuracy": result.accuracy}
        if verbose:
            print(f"{result.count} images - loss: {result.loss:.4f} - "
                  f"accuracy: {result.accuracy:.4f}")
        return logs if return_dict else [result.loss, result.accuracy]

    def confusion_matrix(self, x: ArrayLike, y: ArrayLike,
                         batch_size: int = 32) -> np.ndarray:
        """``(classes, classes)`` int64 counts: row = true class, column =
        predicted class (the argmax of the logits)."""
        confusion = np.zeros((self.num_classes, self.num_classes),
                             dtype=np.int64)
        self._evaluate(x, y, batch_size, confusion)
        return confusion

    def _evaluate(self, x: ArrayLike, y: ArrayLike, batch_size: int,
                  confusion: Optional[np.ndarray]) -> _capi.EvalResult:
        _check_batch_size(batch_size)
        if not self.has_training:
            raise CnncError(f"{self.library}: model compiled without training "
                            f"(--optimizer=none): no evaluate entry point; "
                            f"use predict")
        data = self._data(x, y)
        if data.count == 0:
            raise DataError("evaluate: no images")
        result = _capi.EvalResult()
        if self._libs.train.cnnrt_evaluate_view(
                self._instance, data.view(), batch_size, ctypes.byref(result),
                confusion.ctypes.data if confusion is not None else None):
            raise self._libs.train_error()
        return result

    # --- training ------------------------------------------------------------

    def fit(self, x: ArrayLike, y: ArrayLike, batch_size: Optional[int] = None,
            epochs: int = 1, verbose: Union[int, str] = "auto",
            callbacks: Optional[Sequence] = None,
            validation_split: float = 0.0,
            validation_data: Optional[Tuple[ArrayLike, ArrayLike]] = None,
            initial_epoch: Optional[int] = None,
            steps_per_epoch: Optional[int] = None,
            seed: Optional[int] = None) -> History:
        """Trains on ``(x, y)`` with the C fit loop of cnnc-train (shuffled
        mini-batches keyed by the seed, validation, callbacks, checkpoints),
        so the losses equal ``cnnc-train``'s for the same data, seed and
        options. Returns a :class:`History`.

        ``epochs`` epochs are trained, after those of earlier fits (their
        optimizer steps and shuffles continue); with ``initial_epoch`` (as
        when resuming a checkpoint) ``epochs`` is the total, as cnnc-train's
        ``--epochs``, and ``initial_epoch`` must be the epochs done.
        ``seed`` changes the run's shuffling and dropout seed (not the
        parameters). Ctrl-C stops after the current batch, writes the
        :class:`~cnnc.callbacks.ModelCheckpoint` (if any) and raises
        KeyboardInterrupt; the next fit continues that epoch."""
        run = _fit.FitRun(self, batch_size=32 if batch_size is None
                          else batch_size, epochs=epochs, verbose=verbose,
                          callbacks=list(callbacks or []),
                          initial_epoch=initial_epoch,
                          steps_per_epoch=steps_per_epoch, seed=seed)
        run.set_data(x, y, validation_split, validation_data)
        return run.run()

    # --- weights -------------------------------------------------------------

    def _param_buffer(self) -> np.ndarray:
        """A NumPy view of the instance's parameters (valid until the next
        call into the runtime)."""
        pointer = self._libs.rt.cnnrt_instance_params(self._instance)
        return np.ctypeslib.as_array(pointer, shape=(self._param_elements,))

    def get_weights(self) -> List[np.ndarray]:
        """Copies of the parameter tensors, in the library's order (trainable
        tensors first, then model state such as BatchNorm statistics)."""
        flat = self._param_buffer()
        return [flat[p.offset:p.offset + p.size].reshape(p.shape).copy()
                for p in self._param_table]

    def set_weights(self, weights: Sequence[np.ndarray]) -> None:
        """Sets every parameter tensor from arrays in get_weights()'s order."""
        params = self._param_table
        if len(weights) != len(params):
            raise ValueError(f"set_weights: {len(weights)} arrays for the "
                             f"{len(params)} parameter tensors of {self.name}")
        arrays = []
        for index, (param, value) in enumerate(zip(params, weights)):
            array = np.asarray(value, dtype=np.float32)
            if array.shape != param.shape:
                raise ValueError(f"set_weights: array {index} has shape "
                                 f"{array.shape}, but '{param.name}' is "
                                 f"{param.shape}")
            arrays.append((param, array))
        flat = self._param_buffer()
        for param, array in arrays:
            flat[param.offset:param.offset + param.size] = array.ravel()

    def save_weights(self, filepath: PathLike) -> None:
        """Writes the raw float32 parameters (the runtime's weights file,
        as ``cnnc-train --save-weights`` writes and ``examples/classify
        --weights`` reads)."""
        if self._libs.rt.cnnrt_params_write(
                os.fsencode(filepath),
                self._libs.rt.cnnrt_instance_params(self._instance),
                self._param_elements):
            raise self._libs.runtime_error()

    def load_weights(self, filepath: PathLike) -> None:
        """Reads a weights file of this model; the parameters change only
        when the whole file was read."""
        buffer = np.empty(self._param_elements, dtype=np.float32)
        if self._libs.rt.cnnrt_params_read(os.fsencode(filepath),
                                           buffer.ctypes.data,
                                           self._param_elements):
            raise self._libs.runtime_error()
        self._param_buffer()[:] = buffer

    # --- checkpoints ---------------------------------------------------------

    def save_checkpoint(self, filepath: PathLike) -> None:
        """Writes a checkpoint (docs/checkpoint.md) of the whole run: what
        ``cnnc-train --resume`` and :meth:`load_checkpoint` continue."""
        names = _fit.class_name_array(self.class_names)
        extras = _capi.CheckpointExtras(
            best_params=self._best.ctypes.data if self._has_best else None,
            has_best_params=0,
            class_names=names, num_class_names=len(self.class_names or []))
        if self._libs.train.cnnrt_checkpoint_save_extras(
                os.fsencode(filepath), self._instance,
                ctypes.byref(self._state), ctypes.byref(self._native.history),
                ctypes.byref(extras)):
            raise self._libs.train_error()

    def load_checkpoint(self, filepath: PathLike) -> None:
        """Continues the run of a checkpoint written by cnnc-train
        (``--checkpoint``, ``--save-best``) or by this package: parameters,
        optimizer state, seed, position, callbacks' state and history. The
        next :meth:`fit` continues it exactly; pass ``initial_epoch=
        model.epochs_done`` and the total ``epochs`` as with ``--resume``."""
        state = _capi.TrainState()
        history = _capi.History()
        best = np.zeros(self._param_elements, dtype=np.float32)
        extras = _capi.CheckpointExtras(best_params=best.ctypes.data)
        train = self._libs.train
        if train.cnnrt_checkpoint_load_extras(
                os.fsencode(filepath), self._instance, ctypes.byref(state),
                ctypes.byref(history), ctypes.byref(extras)):
            raise self._libs.train_error()
        if extras.class_names:
            self.class_names = [extras.class_names[i].decode("utf-8",
                                                             "replace")
                                for i in range(extras.num_class_names)]
            self._libs.rt.cnnrt_class_names_free(extras.class_names,
                                                 extras.num_class_names)
        train.cnnrt_history_clear(ctypes.byref(self._native.history))
        self._native.history = history
        self._state = state
        self._best = best
        self._has_best = bool(extras.has_best_params)
        self._resuming = True


def _check_batch_size(batch_size: int) -> None:
    if not isinstance(batch_size, (int, np.integer)) or batch_size <= 0:
        raise ValueError(f"batch_size must be a positive integer, not "
                         f"{batch_size!r}")


def _release(native: _Native, cleanup: Optional[Callable[[], None]]) -> None:
    native.close()
    if cleanup is not None:
        cleanup()
