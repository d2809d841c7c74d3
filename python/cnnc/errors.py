"""Exceptions of the cnnc package.

Every failure of the runtime, the training library or the driver surfaces as
one of these, carrying the one-line message the C code or the driver wrote
(``"<file or subject>: <what is wrong>"``); nothing the package passes to C
can crash the interpreter for bad user input.
"""

from __future__ import annotations


class CnncError(RuntimeError):
    """A failure reported by libcnnrt, the training library or the driver."""


class CompileError(CnncError):
    """The cnnc driver refused the model or failed to compile it.

    ``str(error)`` is the driver's first error line (``file:line:col: error:
    ...``); :attr:`diagnostics` holds everything it wrote to stderr (notes,
    the source line and the caret).
    """

    def __init__(self, message: str, diagnostics: str = "") -> None:
        super().__init__(message)
        self.diagnostics = diagnostics or message


class CompileWarning(UserWarning):
    """A warning of the cnnc driver about a model it compiled (a softmax
    before a loss on logits, a Keras layer imported in its inference form):
    ``str(warning)`` is the driver's line without its ``cnnc: warning:``
    prefix."""


class DataError(CnncError, ValueError):
    """Arrays that do not fit the model: image shape, label values or counts.

    Also a :class:`ValueError`, as Keras raises for such input.
    """


class LibraryNotFoundError(CnncError, ImportError):
    """The cnnc build (driver and shared libraries) was not found."""
