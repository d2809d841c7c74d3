"""Fashion-MNIST from the Debian package ``dataset-fashion-mnist`` (the
files cnnc-train reads), as ``keras.datasets.fashion_mnist.load_data()``
returns it: uint8 images (n, 28, 28) and uint8 labels (n,)."""

from __future__ import annotations

import gzip
import os
from pathlib import Path
from typing import Optional, Tuple

import numpy as np

#: Where Debian installs the files (cnnrt.h's CNNRT_FASHION_MNIST_DIR).
DEFAULT_DIR = "/usr/share/datasets/fashion-mnist"
#: Overrides DEFAULT_DIR, as for cnnc-train.
DIR_ENV = "CNNC_FASHION_MNIST_DIR"

CLASS_NAMES = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
               "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"]

Arrays = Tuple[np.ndarray, np.ndarray]


def data_dir(path: Optional[str] = None) -> Path:
    """``path``, else ``$CNNC_FASHION_MNIST_DIR``, else Debian's directory."""
    return Path(path or os.environ.get(DIR_ENV) or DEFAULT_DIR)


def _read_idx(path: Path, magic: int, dims: int) -> np.ndarray:
    """An IDX file of unsigned bytes (gzip-compressed or raw)."""
    if not path.is_file() and path.suffix == ".gz":
        path = path.with_suffix("")
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rb") as f:
        data = f.read()
    header = 4 + 4 * dims
    found = int.from_bytes(data[:4], "big") if len(data) >= 4 else None
    if found != magic:
        raise ValueError(f"{path}: not an IDX file of {dims}-D unsigned bytes "
                         f"(magic {found} at byte offset 0)")
    shape = tuple(int.from_bytes(data[4 + 4 * i:8 + 4 * i], "big")
                  for i in range(dims))
    if len(data) != header + int(np.prod(shape)):
        raise ValueError(f"{path}: {len(data)} bytes, but the header says "
                         f"{header + int(np.prod(shape))}")
    return np.frombuffer(data, dtype=np.uint8, offset=header).reshape(shape)


def load_data(path: Optional[str] = None) -> Tuple[Arrays, Arrays]:
    """``(x_train, y_train), (x_test, y_test)``: 60,000 and 10,000 images."""
    directory = data_dir(path)
    if not directory.is_dir():
        raise FileNotFoundError(
            f"{directory}: Fashion-MNIST not found; install the Debian "
            f"package dataset-fashion-mnist or set ${DIR_ENV}")

    def split(prefix: str) -> Arrays:
        images = _read_idx(directory / f"{prefix}-images-idx3-ubyte.gz",
                           0x803, 3)
        labels = _read_idx(directory / f"{prefix}-labels-idx1-ubyte.gz",
                           0x801, 1)
        return images, labels

    return split("train"), split("t10k")
