"""NumPy arrays as the runtime's in-memory data sets (``cnnrt_dataset``).

Images become the float32 NHWC buffer the runtime reads, without a copy when
the array already is one (C-contiguous float32, any rescaling left to the
caller); labels become int32 class indices. The conversions are those of
cnnc-train's readers (runtime/cnnrt/Dataset.c), bit for bit: uint8 images
default to ``x / 255`` in float32, an explicit ``rescale=(scale, offset)``
computes ``float32(x * scale + offset)`` in double precision.
"""

from __future__ import annotations

import ctypes
from typing import Optional, Sequence, Tuple, Union

import numpy as np

from . import _capi
from .errors import DataError

Rescale = Optional[Tuple[float, float]]
ArrayLike = Union[np.ndarray, Sequence]


def images_array(x: ArrayLike, rescale: Rescale = None,
                 name: str = "x") -> np.ndarray:
    """``x`` as a C-contiguous float32 array of shape (n, height, width,
    channels); a view of ``x`` when it already is one and ``rescale`` is None.

    uint8 images are divided by 255 unless ``rescale`` says otherwise;
    float images are used as they are (float64 and float16 rounded to
    float32). Other dtypes raise TypeError, other ranks DataError.
    """
    array = np.asarray(x)
    if array.dtype.kind not in "uf" or (array.dtype.kind == "u"
                                        and array.dtype.itemsize != 1):
        raise TypeError(
            f"{name}: images must be uint8, float32 or float64 arrays, not "
            f"{array.dtype}")
    if array.ndim == 3:
        array = array[..., np.newaxis]
    elif array.ndim != 4:
        raise DataError(
            f"{name}: images must have shape (n, height, width) or (n, "
            f"height, width, channels), not {tuple(np.shape(x))}")
    if rescale is not None:
        scale, offset = rescale
        return np.ascontiguousarray(
            (array.astype(np.float64) * scale + offset).astype(np.float32))
    if array.dtype.kind == "u":
        return np.ascontiguousarray(array, dtype=np.float32) / np.float32(255)
    return np.ascontiguousarray(array, dtype=np.float32)


def labels_array(y: ArrayLike, count: int, name: str = "y") -> np.ndarray:
    """``y`` as C-contiguous int32 class indices of shape (count,).

    Accepts integer arrays of shape (n,) or (n, 1) (Keras's ``load_data()``
    returns both); float labels and one-hot rows raise with a hint.
    """
    array = np.asarray(y)
    if array.ndim == 2 and array.shape[1] == 1:
        array = array[:, 0]
    if array.ndim != 1:
        hint = ("; one-hot labels? use y.argmax(axis=1)"
                if array.ndim == 2 else "")
        raise DataError(f"{name}: labels must have shape (n,) or (n, 1), not "
                        f"{tuple(np.shape(y))}{hint}")
    if array.dtype.kind not in "iu":
        raise TypeError(f"{name}: labels must be integer class indices, not "
                        f"{array.dtype}; use y.astype(int) if they are whole "
                        f"numbers")
    if len(array) != count:
        raise DataError(f"{name}: {len(array)} labels for {count} images")
    if len(array) and (array.min() < np.iinfo(np.int32).min or
                       array.max() > np.iinfo(np.int32).max):
        bad = array.max() if array.max() > 0 else array.min()
        raise DataError(f"{name}: label {bad} is not a class index")
    return np.ascontiguousarray(array, dtype=np.int32)


class Data:
    """Images (and labels) kept alive together with the ``cnnrt_dataset``
    that points into them."""

    def __init__(self, images: np.ndarray, labels: Optional[np.ndarray],
                 num_classes: int) -> None:
        self.images = images
        self.labels = labels
        count, height, width, channels = images.shape
        self.struct = _capi.Dataset(
            count=count, height=height, width=width, channels=channels,
            num_classes=num_classes, images=images.ctypes.data,
            labels=labels.ctypes.data if labels is not None else None,
            class_names=None)

    @property
    def count(self) -> int:
        return self.images.shape[0]

    def view(self, begin: int = 0, count: Optional[int] = None
             ) -> _capi.DataView:
        """Images [begin, begin + count) (to the end when count is None)."""
        count = self.count - begin if count is None else count
        return _capi.DataView(ctypes.pointer(self.struct), begin, count)

    def images_pointer(self, first: int) -> int:
        """Address of image ``first``."""
        return self.images.ctypes.data + first * self.images[0].nbytes


def prepare(x: ArrayLike, y: Optional[ArrayLike], num_classes: int,
            rescale: Rescale, x_name: str = "x", y_name: str = "y") -> Data:
    """Checks and converts ``x`` (and ``y``) into a :class:`Data`."""
    images = images_array(x, rescale, name=x_name)
    labels = (labels_array(y, images.shape[0], name=y_name)
              if y is not None else None)
    return Data(images, labels, num_classes)
