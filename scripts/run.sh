#!/usr/bin/env bash
# README command (1): set up cnnc and run the main job on the reference CNN.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD="${CNNC_BUILD_DIR:-$ROOT/build}"
"$ROOT/scripts/setup.sh"

"$BUILD/bin/cnnc" --summary "$ROOT/examples/fashion_mnist_cnn.mlir"
