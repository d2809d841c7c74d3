#!/usr/bin/env bash
# Installs the reference frameworks for bench/run.sh into bench/.venv (PyPI):
# PyTorch (its CPU index when reachable, else PyPI's wheel), TensorFlow/Keras
# (tensorflow-cpu), ONNX Runtime and onnx for the inference comparison, and
# tf_keras (tf.keras 2), which test/Keras/make_fixtures.py needs for its
# tf.keras 2 fixtures. Only the benchmarks and that script use them; the
# build and the tests never do.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
python3 -m venv "$HERE/.venv"
PIP="$HERE/.venv/bin/pip"
"$PIP" install -q torch --index-url https://download.pytorch.org/whl/cpu \
    --retries 0 --timeout 10 2> /dev/null ||
  "$PIP" install -q torch ||
  echo "setup-frameworks: PyTorch not installable; skipping PyTorch"
"$PIP" install -q tensorflow-cpu ||
  echo "setup-frameworks: tensorflow-cpu not installable; skipping Keras"
"$PIP" install -q tf-keras ||
  echo "setup-frameworks: tf-keras not installable; no tf.keras 2 fixtures"
"$PIP" install -q onnxruntime onnx ||
  echo "setup-frameworks: onnxruntime not installable; skipping ONNX Runtime"
