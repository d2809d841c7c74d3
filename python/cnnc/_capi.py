"""ctypes declarations of libcnnrt (cnnrt.h, abi.h) and the training library
(train.h).

The structs mirror the C headers field for field; :func:`load` compares every
size with ``cnnrt_train_sizeof`` so that a header change fails with a message
instead of corrupting memory. ctypes releases the GIL around every call into
these libraries (``CDLL``), so training steps run while other Python threads
do; the fit loop's callbacks take it back for the few microseconds they run.
"""

from __future__ import annotations

import ctypes
import threading
from ctypes import (CFUNCTYPE, POINTER, Structure, c_char_p, c_double,
                    c_float, c_int, c_int32, c_int64, c_size_t, c_uint32,
                    c_uint64, c_void_p)
from typing import Optional

from . import _paths
from .errors import CnncError, LibraryNotFoundError

# --- abi.h -------------------------------------------------------------------

CNNC_MAX_PARAM_RANK = 4


class ParamInfo(Structure):
    _fields_ = [("name", c_char_p), ("offset", c_int64), ("size", c_int64),
                ("rank", c_int32), ("initializer", c_int32),
                ("shape", c_int64 * CNNC_MAX_PARAM_RANK),
                ("fan_in", c_int64), ("fan_out", c_int64),
                ("trainable", c_int32), ("reserved", c_int32)]


class ModelDesc(Structure):
    _fields_ = [("abi_version", c_uint32), ("desc_size", c_uint32),
                ("name", c_char_p), ("target", c_char_p),
                ("input_shape", c_int64 * 4), ("num_classes", c_int64),
                ("num_params", c_int64), ("param_elements", c_int64),
                ("params", POINTER(ParamInfo)),
                ("opt_state_elements", c_int64), ("optimizer", c_char_p),
                ("loss", c_char_p), ("init_params", c_void_p),
                ("forward", c_void_p), ("train_step", c_void_p),
                ("evaluate", c_void_p), ("forward_flops", c_int64),
                ("trainable_elements", c_int64),
                ("compute_gradients", c_void_p),
                ("apply_gradients", c_void_p)]


# --- cnnrt.h -----------------------------------------------------------------

class Dataset(Structure):
    _fields_ = [("count", c_int64), ("height", c_int64), ("width", c_int64),
                ("channels", c_int64), ("num_classes", c_int64),
                ("images", c_void_p), ("labels", c_void_p),
                ("class_names", c_void_p)]


# --- train.h -----------------------------------------------------------------

class DataView(Structure):
    _fields_ = [("data", POINTER(Dataset)), ("begin", c_int64),
                ("count", c_int64)]


class Augmentation(Structure):
    _fields_ = [("horizontal_flip", c_int), ("translate", c_double),
                ("crop_padding", c_int64), ("brightness", c_double),
                ("contrast", c_double), ("value_min", c_float),
                ("value_max", c_float)]


class TrainState(Structure):
    _fields_ = [("seed", c_uint64), ("step", c_int64), ("epoch", c_int64),
                ("batch", c_int64), ("batch_size", c_int64),
                ("train_examples", c_int64), ("loss_sum", c_double),
                ("correct", c_int64), ("seen", c_int64),
                ("lr_scale", c_double), ("plateau_best", c_double),
                ("plateau_wait", c_int64), ("plateau_cooldown", c_int64),
                ("stop_best", c_double), ("stop_wait", c_int64),
                ("best_epoch", c_int64), ("save_best", c_double),
                ("stopped", c_int64)]


class EpochRecord(Structure):
    _fields_ = [("loss", c_double), ("accuracy", c_double),
                ("val_loss", c_double), ("val_accuracy", c_double),
                ("learning_rate", c_double)]


class History(Structure):
    _fields_ = [("count", c_int64), ("capacity", c_int64),
                ("records", POINTER(EpochRecord)), ("has_validation", c_int),
                ("has_learning_rate", c_int)]


class CheckpointExtras(Structure):
    _fields_ = [("best_params", c_void_p), ("has_best_params", c_int),
                ("class_names", POINTER(c_char_p)),
                ("num_class_names", c_int64)]


EpochBeginFn = CFUNCTYPE(None, c_void_p, c_int64, c_int64, c_int64)
BatchEndFn = CFUNCTYPE(c_int, c_void_p, c_int64, c_int64, c_double, c_double)
EpochEndFn = CFUNCTYPE(c_int, c_void_p, c_int64, c_int64, POINTER(EpochRecord),
                       c_double)


class FitCallbacks(Structure):
    _fields_ = [("context", c_void_p), ("epoch_begin", EpochBeginFn),
                ("batch_end", BatchEndFn), ("epoch_end", EpochEndFn)]


# cnnrt_monitor
MONITORS = {"val_loss": 0, "val_accuracy": 1, "loss": 2, "accuracy": 3}
# cnnrt_lr_schedule_kind
LR_CONSTANT, LR_STEP, LR_EXPONENTIAL, LR_COSINE = 0, 1, 2, 3


class LrSchedule(Structure):
    _fields_ = [("kind", c_int), ("rate", c_double), ("period", c_double),
                ("alpha", c_double)]


class PlateauOptions(Structure):
    _fields_ = [("enabled", c_int), ("monitor", c_int), ("factor", c_double),
                ("patience", c_int64), ("min_delta", c_double),
                ("cooldown", c_int64), ("min_lr", c_double)]


class EarlyStoppingOptions(Structure):
    _fields_ = [("enabled", c_int), ("monitor", c_int),
                ("patience", c_int64), ("min_delta", c_double),
                ("restore_best_weights", c_int)]


class FitOptions(Structure):
    _fields_ = [("epochs", c_int64), ("batch_size", c_int64),
                ("learning_rate", c_float), ("max_steps", c_int64),
                ("train", DataView), ("validation", DataView),
                ("checkpoint", c_char_p), ("history_file", c_char_p),
                ("schedule", LrSchedule), ("plateau", PlateauOptions),
                ("early_stopping", EarlyStoppingOptions),
                ("best_checkpoint", c_char_p), ("best_monitor", c_int),
                ("best_params", c_void_p), ("class_names", POINTER(c_char_p)),
                ("num_class_names", c_int64),
                ("augmentation", Augmentation),
                # data-parallel ranks (cnnc-train under mpirun); always NULL
                ("distributed", c_void_p)]


class FitStats(Structure):
    _fields_ = [("steps", c_int64), ("images", c_int64),
                ("train_seconds", c_double), ("input_seconds", c_double),
                ("stopped", c_int), ("early_stopped", c_int),
                ("lr_reductions", c_int64)]


class EvalResult(Structure):
    _fields_ = [("loss", c_double), ("accuracy", c_double),
                ("count", c_int64), ("correct", c_int64),
                ("top_k_correct", c_int64)]


_STRUCTS = {
    "cnnc_param_info": ParamInfo, "cnnc_model_desc": ModelDesc,
    "cnnrt_dataset": Dataset, "cnnrt_data_view": DataView,
    "cnnrt_augmentation": Augmentation, "cnnrt_train_state": TrainState,
    "cnnrt_epoch_record": EpochRecord, "cnnrt_history": History,
    "cnnrt_checkpoint_extras": CheckpointExtras,
    "cnnrt_fit_callbacks": FitCallbacks, "cnnrt_lr_schedule": LrSchedule,
    "cnnrt_plateau_options": PlateauOptions,
    "cnnrt_early_stopping_options": EarlyStoppingOptions,
    "cnnrt_fit_options": FitOptions, "cnnrt_fit_stats": FitStats,
    "cnnrt_eval_result": EvalResult,
}

# name: (restype, argtypes)
_RUNTIME_FUNCTIONS = {
    "cnnrt_last_error": (c_char_p, []),
    "cnnrt_load": (c_void_p, [c_char_p]),
    "cnnrt_unload": (None, [c_void_p]),
    "cnnrt_model_desc": (POINTER(ModelDesc), [c_void_p]),
    "cnnrt_model_has_training": (c_int, [c_void_p]),
    "cnnrt_model_is_cuda": (c_int, [c_void_p]),
    "cnnrt_set_num_threads": (c_int, [c_void_p, c_int]),
    "cnnrt_num_threads": (c_int, [c_void_p]),
    "cnnrt_instance_create": (c_void_p, [c_void_p, c_uint64]),
    "cnnrt_instance_destroy": (None, [c_void_p]),
    "cnnrt_instance_params": (POINTER(c_float), [c_void_p]),
    "cnnrt_instance_param_elements": (c_int64, [c_void_p]),
    "cnnrt_predict": (c_int, [c_void_p, c_void_p, c_int64, c_void_p]),
    "cnnrt_params_read": (c_int, [c_char_p, c_void_p, c_int64]),
    "cnnrt_params_write": (c_int, [c_char_p, c_void_p, c_int64]),
    "cnnrt_class_names_free": (None, [POINTER(c_char_p), c_int64]),
}

_TRAIN_FUNCTIONS = {
    "cnnrt_train_last_error": (c_char_p, []),
    "cnnrt_train_sizeof": (c_size_t, [c_char_p]),
    "cnnrt_train_state_initial": (TrainState, [c_uint64]),
    "cnnrt_validation_split": (c_int, [DataView, c_double, POINTER(DataView),
                                       POINTER(DataView)]),
    "cnnrt_check_data": (c_int, [c_void_p, DataView, c_char_p]),
    "cnnrt_fit": (c_int, [c_void_p, POINTER(FitOptions), POINTER(TrainState),
                          POINTER(History), POINTER(FitCallbacks),
                          POINTER(FitStats)]),
    "cnnrt_evaluate_view": (c_int, [c_void_p, DataView, c_int64,
                                    POINTER(EvalResult), c_void_p]),
    "cnnrt_history_clear": (None, [POINTER(History)]),
    "cnnrt_checkpoint_save_extras": (c_int, [c_char_p, c_void_p,
                                             POINTER(TrainState),
                                             POINTER(History),
                                             POINTER(CheckpointExtras)]),
    "cnnrt_checkpoint_load_extras": (c_int, [c_char_p, c_void_p,
                                             POINTER(TrainState),
                                             POINTER(History),
                                             POINTER(CheckpointExtras)]),
}


class Libraries:
    """The two loaded libraries with their prototypes set."""

    def __init__(self, runtime: ctypes.CDLL, train: ctypes.CDLL,
                 tree) -> None:
        self.rt = runtime
        self.train = train
        self.tree = tree

    def runtime_error(self) -> CnncError:
        """libcnnrt's last error on this thread as an exception."""
        return CnncError(_decode(self.rt.cnnrt_last_error()))

    def train_error(self) -> CnncError:
        """The training library's last error on this thread."""
        return CnncError(_decode(self.train.cnnrt_train_last_error()))


def _decode(message: Optional[bytes]) -> str:
    text = (message or b"").decode("utf-8", "replace")
    return text or "cnnc: unknown error"


def _declare(library: ctypes.CDLL, functions: dict) -> None:
    for name, (restype, argtypes) in functions.items():
        function = getattr(library, name)
        function.restype = restype
        function.argtypes = argtypes


def _check_layout(train: ctypes.CDLL, path) -> None:
    for name, struct in _STRUCTS.items():
        size = train.cnnrt_train_sizeof(name.encode())
        if size != ctypes.sizeof(struct):
            raise LibraryNotFoundError(
                f"{path}: struct {name} has {size} bytes, but this cnnc "
                f"package declares {ctypes.sizeof(struct)}; the package and "
                f"the library come from different versions of cnnc")


_lock = threading.Lock()
_libraries: Optional[Libraries] = None


def load() -> Libraries:
    """Loads libcnnrt.so and libcnnrt_train.so once per process."""
    global _libraries
    with _lock:
        if _libraries is None:
            tree = _paths.find_tree()
            lib = tree / "lib"
            # libcnnrt_train.so needs libcnnrt.so: loading it first by path
            # satisfies that dependency whatever the run path says.
            runtime = ctypes.CDLL(str(lib / _paths.RUNTIME_LIBRARY))
            train = ctypes.CDLL(str(lib / _paths.TRAIN_LIBRARY))
            _declare(runtime, _RUNTIME_FUNCTIONS)
            _declare(train, _TRAIN_FUNCTIONS)
            _check_layout(train, lib / _paths.TRAIN_LIBRARY)
            _keep_large_blocks_on_the_heap()
            _libraries = Libraries(runtime, train, tree)
        return _libraries


def _keep_large_blocks_on_the_heap() -> None:
    """What cnnc-train does at start (runtime/train/Tool.c): generated
    libraries allocate their temporaries on every call, and glibc would serve
    the large ones with fresh mappings that every step faults in and zeroes
    again (the reference CNN trains 40% faster on the heap)."""
    try:
        libc = ctypes.CDLL(None)
        mallopt = libc.mallopt
    except (OSError, AttributeError):  # not glibc: nothing to tune
        return
    mallopt.argtypes = [c_int, c_int]
    mallopt.restype = c_int
    m_trim_threshold, m_top_pad, m_mmap_threshold = -1, -2, -3
    mallopt(m_mmap_threshold, 256 << 20)
    mallopt(m_trim_threshold, 512 << 20)
    mallopt(m_top_pad, 64 << 20)
