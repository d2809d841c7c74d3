"""cnnc for Python: compile CNNs with the cnnc driver and train them on NumPy
arrays with Keras's habits.

    import cnnc
    model = cnnc.compile("examples/fashion_mnist_cnn.mlir", optimizer="adam")
    history = model.fit(x_train, y_train, epochs=4, batch_size=32,
                        validation_data=(x_test, y_test))
    loss, accuracy = model.evaluate(x_test, y_test)
    logits = model.predict(x_test[:8])

The training loop is the C one ``cnnc-train`` runs (libcnnrt_train.so,
through ctypes): the same data, seed and options give the same losses.
Documentation: docs/python.md.
"""

from . import callbacks, datasets, optimizers, schedules
from .callbacks import (Callback, EarlyStopping, LambdaCallback,
                        ModelCheckpoint, ReduceLROnPlateau)
from .compiler import compile, load
from .errors import (CnncError, CompileError, CompileWarning, DataError,
                     LibraryNotFoundError)
from .history import History
from .model import Model

__version__ = "0.3.0"

__all__ = [
    "Callback", "CnncError", "CompileError", "CompileWarning", "DataError",
    "EarlyStopping",
    "History", "LambdaCallback", "LibraryNotFoundError", "Model",
    "ModelCheckpoint", "ReduceLROnPlateau", "callbacks", "compile", "datasets",
    "load", "optimizers", "schedules",
]
