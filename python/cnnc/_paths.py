"""Where the cnnc driver and the shared libraries are.

A cnnc tree has ``bin/cnnc`` and ``lib/libcnnrt.so``, ``lib/libcnnrt_train.so``
(the CMake build directory has exactly this layout). The first of these that
holds the libraries is used:

1. ``$CNNC_BUILD_DIR`` (the variable ``scripts/setup.sh`` builds into);
2. ``build/`` of the source tree this package lives in (``python/cnnc`` run
   from a clone, or ``pip install -e ./python``);
3. the tree of the ``cnnc`` driver found in ``$PATH`` (``<tree>/bin/cnnc``);
4. the build directory of the clone ``pip install ./python`` ran in
   (recorded by setup.py in ``cnnc/_origin.py``).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import List, Optional

from .errors import LibraryNotFoundError

RUNTIME_LIBRARY = "libcnnrt.so"
TRAIN_LIBRARY = "libcnnrt_train.so"
BUILD_DIR_ENV = "CNNC_BUILD_DIR"

_PACKAGE = Path(__file__).resolve().parent


def _source_tree_build() -> Optional[Path]:
    """``build/`` of the cnnc clone when the package runs from it."""
    root = _PACKAGE.parent.parent
    in_clone = _PACKAGE.parent.name == "python" and \
        (root / "CMakeLists.txt").is_file()
    if in_clone:
        return root / "build"
    return None


def _install_origin() -> Optional[Path]:
    try:
        from . import _origin  # type: ignore[attr-defined]
    except ImportError:
        return None
    return Path(_origin.BUILD_DIR)


def candidate_trees() -> List[Path]:
    """The trees searched for the libraries, in order."""
    trees: List[Path] = []
    env = os.environ.get(BUILD_DIR_ENV)
    if env:
        trees.append(Path(env))
    source = _source_tree_build()
    if source:
        trees.append(source)
    driver = shutil.which("cnnc")
    if driver:
        trees.append(Path(driver).resolve().parent.parent)
    origin = _install_origin()
    if origin:
        trees.append(origin)
    return trees


def find_tree() -> Path:
    """The first candidate tree that has both shared libraries."""
    trees = candidate_trees()
    for tree in trees:
        lib = tree / "lib"
        if all((lib / name).is_file()
               for name in (RUNTIME_LIBRARY, TRAIN_LIBRARY)):
            return tree
    searched = ", ".join(str(t / "lib") for t in trees)
    raise LibraryNotFoundError(
        f"cnnc: {TRAIN_LIBRARY} and {RUNTIME_LIBRARY} not found (searched "
        f"{searched}); build cnnc (bash scripts/setup.sh) and set "
        f"${BUILD_DIR_ENV} to its build directory or put its bin/ in PATH")


def find_driver(tree: Optional[Path] = None) -> Path:
    """The cnnc driver: the library tree's ``bin/cnnc``, else ``$PATH``'s."""
    tree = tree or find_tree()
    driver = tree / "bin" / "cnnc"
    if driver.is_file() and os.access(driver, os.X_OK):
        return driver
    found = shutil.which("cnnc")
    if found:
        return Path(found)
    raise LibraryNotFoundError(
        f"cnnc: the driver was not found ({driver} is missing and there is "
        f"no cnnc in PATH)")


def find_train_tool(tree: Optional[Path] = None) -> Path:
    """``cnnc-train`` of the library tree (tests and the benchmark)."""
    tree = tree or find_tree()
    tool = tree / "bin" / "cnnc-train"
    if tool.is_file():
        return tool
    found = shutil.which("cnnc-train")
    if found:
        return Path(found)
    raise LibraryNotFoundError(f"cnnc: cnnc-train was not found ({tool})")
