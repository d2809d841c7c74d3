"""Data sets as NumPy arrays, as ``keras.datasets`` returns them."""

from . import fashion_mnist

__all__ = ["fashion_mnist"]
