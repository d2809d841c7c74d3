#!/usr/bin/env bash
# Installs what cnnc needs on Debian bookworm (run as root or with sudo) and
# configures + builds it. Idempotent: when every package is present it skips
# apt entirely and only runs an incremental build.
#
#   scripts/setup.sh            # packages + build into ./build
#   CNNC_BUILD_DIR=out scripts/setup.sh
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD="${CNNC_BUILD_DIR:-$ROOT/build}"
LLVM=/usr/lib/llvm-22

PACKAGES=(
  # toolchain and MLIR 22 (Debian)
  llvm-22-dev libmlir-22-dev mlir-22-tools llvm-22-tools clang-22 lld-22
  cmake ninja-build
  # tests, runtime and plots
  libgtest-dev zlib1g-dev gnuplot-nox pkg-config
  # data readers of libcnnrt: PNG, JPEG, NumPy .npz (zip)
  libpng-dev libturbojpeg0-dev libzip-dev
  # OpenMP runtime for the generated kernels' threads
  libomp-22-dev
  # sanitizers and libFuzzer (scripts/sanitize.sh, scripts/fuzz.sh)
  libclang-rt-22-dev
  # the real data
  dataset-fashion-mnist
  # the Keras importer: HDF5 weights (.keras archives: libzip above;
  # pkg-config finds both)
  libhdf5-dev pkg-config
  # the Python package's tests (python/, docs/python.md)
  python3-numpy python3-pytest
  # data-parallel training: mpirun -np N cnnc-train (docs/distributed.md)
  openmpi-bin libopenmpi-dev
)

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
    missing+=("$p")
done
if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}"
  SUDO=""
  [[ $(id -u) -ne 0 ]] && SUDO=sudo
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if [[ ! -f "$BUILD/build.ninja" ]]; then
  cmake -G Ninja -S "$ROOT" -B "$BUILD" \
    -DCMAKE_BUILD_TYPE=Release \
    -DCMAKE_C_COMPILER="$LLVM/bin/clang" \
    -DCMAKE_CXX_COMPILER="$LLVM/bin/clang++" \
    -DLLVM_USE_LINKER=lld \
    -DLLVM_EXTERNAL_LIT="$LLVM/bin/lit" >/dev/null
fi
ninja -C "$BUILD" --quiet
