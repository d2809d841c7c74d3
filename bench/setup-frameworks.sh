#!/usr/bin/env bash
# Installs the reference frameworks for bench/run.sh into bench/.venv (PyPI,
# CPU wheels). Only the benchmarks use them.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
python3 -m venv "$HERE/.venv"
# PyTorch's CPU wheels come from its own index; TensorFlow's from PyPI.
"$HERE/.venv/bin/pip" install -q torch --index-url https://download.pytorch.org/whl/cpu ||
  echo "setup-frameworks: PyTorch CPU wheels not reachable; skipping PyTorch"
"$HERE/.venv/bin/pip" install -q tensorflow-cpu ||
  echo "setup-frameworks: tensorflow-cpu not installable; skipping Keras"
