"""Fixtures of the Python tests: a tiny model compiled once per session and
small learnable image sets (a bright 3x3 patch whose position is the
class), so every fit takes milliseconds."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import cnnc  # noqa: E402

DATA = Path(__file__).resolve().parent / "data"
TINY = DATA / "tiny.mlir"
CLASSES = 3


def make_images(count: int, seed: int = 0):
    """uint8 images (count, 8, 8) and labels (count,): class k has a bright
    patch at row 0, 2 or 5, on noise."""
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, CLASSES, size=count).astype(np.uint8)
    images = rng.integers(0, 60, size=(count, 8, 8)).astype(np.uint8)
    for i, label in enumerate(labels):
        row = (0, 2, 5)[label]
        images[i, row:row + 3, 2:5] = 200 + rng.integers(0, 55)
    return images, labels


@pytest.fixture(scope="session")
def tiny_library(tmp_path_factory) -> Path:
    """The tiny model compiled single-threaded (shared by every test)."""
    path = tmp_path_factory.mktemp("tiny") / "tiny.so"
    model = cnnc.compile(TINY, output=path, parallel=False)
    model.close()
    return path


@pytest.fixture
def model(tiny_library):
    """A fresh instance of the tiny model (seed 1)."""
    with cnnc.load(tiny_library, seed=1) as fresh:
        yield fresh


@pytest.fixture(scope="session")
def images():
    """96 training images and labels."""
    return make_images(96, seed=0)


@pytest.fixture(scope="session")
def test_images():
    """48 other images and labels."""
    return make_images(48, seed=1)
