#!/usr/bin/env bash
# Stages into carry/ (git-ignored) everything a GPU machine needs to run
# scripts/gpu-device-check.sh without LLVM/MLIR, lit or a network — built
# here, on the development machine (docs/gpu-device-runs.md):
#   models/   the reference models and test/GPU/Inputs/small.mlir, each as an
#             nvptx library (<name>-gpu.so, --gpu-arch=sm_90) and as a
#             single-threaded CPU library (<name>-cpu.so, --parallel=false,
#             so no libomp is needed); names: fashion, cifar, sgd (fashion
#             with --optimizer=sgd --momentum=0.9), small
#   bin/      cnnc-train, cnnc-cuda-probe, and parity (test/GPU/Inputs),
#             gpu_model_bench and model_bench compiled here against build/lib
#   lib/      libcnnrt.so; lib/fallback/ libraries a bare image may lack
#             (libz, libpng, libturbojpeg, libzip, Open MPI's), which the
#             device script adds only when missing there
#   data/fashion-mnist/   the four IDX .gz files of dataset-fashion-mnist
#   MANIFEST  commit, build state, files with sizes and checksums, cubins
# Fails when anything is missing or the folder exceeds 60 MiB (the device
# tool carries at most 64 MiB with the working tree).
#
#   bash scripts/gpu-carry.sh [--build]     (--build: ninja the tools first)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD="${CNNC_BUILD_DIR:-$ROOT/build}"
CARRY="$ROOT/carry"
# The C compiler of the build (scripts/setup.sh installs clang-22, not gcc).
CC="${CC:-/usr/lib/llvm-22/bin/clang}"
DATA_DIR="${CNNC_FASHION_MNIST_DIR:-/usr/share/datasets/fashion-mnist}"
LIMIT_MIB=60
GPU_ARCH=sm_90
BUILD_FIRST=0
while (($#)); do
  case "$1" in
    --build) BUILD_FIRST=1; shift ;;
    *) echo "gpu-carry.sh: unknown argument '$1' (only --build)" >&2; exit 1 ;;
  esac
done

fail() { echo "gpu-carry.sh: error: $*" >&2; exit 1; }

if ((BUILD_FIRST)); then
  ninja -C "$BUILD" cnnc cnnc-train cnnc-cuda-probe cnnrt
fi
for f in bin/cnnc bin/cnnc-train bin/cnnc-cuda-probe lib/libcnnrt.so; do
  [[ -x "$BUILD/$f" ]] || fail "$BUILD/$f missing (build the project first: bash scripts/run.sh, or --build)"
done
command -v "$CC" >/dev/null || fail "no C compiler '$CC' (set CC)"
for f in train-images-idx3-ubyte.gz train-labels-idx1-ubyte.gz \
         t10k-images-idx3-ubyte.gz t10k-labels-idx1-ubyte.gz; do
  [[ -f "$DATA_DIR/$f" ]] || fail "$DATA_DIR/$f missing (apt-get install dataset-fashion-mnist)"
done

# A build older than the sources it comes from would stage stale libraries:
# the compiler against bin/cnnc, the runtime (linked into every GPU library
# through libcnnc_gpu_support.a, and libcnnrt) against those libraries.
newer_than() { # output sources...
  find "${@:2}" -type f -newer "$1" -print -quit
}
stale=""
for check in "$BUILD/bin/cnnc:$ROOT/lib $ROOT/include $ROOT/tools" \
             "$BUILD/lib/libcnnc_gpu_support.a:$ROOT/runtime $ROOT/include/cnnc/Runtime" \
             "$BUILD/lib/libcnnrt.so:$ROOT/runtime $ROOT/include/cnnc/Runtime"; do
  output=${check%%:*}
  # shellcheck disable=SC2086
  newest_source=$(newer_than "$output" ${check#*:})
  if [[ -n "$newest_source" && -z "$stale" ]]; then
    stale="yes (${newest_source#$ROOT/} is newer than ${output#$BUILD/}; rerun with --build)"
    echo "gpu-carry.sh: warning: build may be stale: ${newest_source#$ROOT/} is newer than $output" >&2
  fi
done

rm -rf "$CARRY/bin" "$CARRY/lib" "$CARRY/models" "$CARRY/data" "$CARRY/MANIFEST"
mkdir -p "$CARRY/bin" "$CARRY/lib/fallback" "$CARRY/models" "$CARRY/data/fashion-mnist"

echo "== models (cnnc --target=nvptx --gpu-arch=$GPU_ARCH, and --parallel=false)"
CNNC="$BUILD/bin/cnnc"
compile_pair() { # name source [cnnc flags...]
  local name="$1" source="$2"
  shift 2
  "$CNNC" "$source" "$@" --target=nvptx --gpu-arch="$GPU_ARCH" \
    -o "$CARRY/models/$name-gpu.so"
  "$CNNC" "$source" "$@" --parallel=false -o "$CARRY/models/$name-cpu.so"
  echo "  $name: $(stat -c %s "$CARRY/models/$name-gpu.so") + $(stat -c %s "$CARRY/models/$name-cpu.so") bytes"
}
compile_pair fashion "$ROOT/examples/fashion_mnist_cnn.mlir"
compile_pair cifar "$ROOT/examples/cifar10_cnn.mlir"
compile_pair sgd "$ROOT/examples/fashion_mnist_cnn.mlir" --optimizer=sgd --momentum=0.9
compile_pair small "$ROOT/test/GPU/Inputs/small.mlir"
# The A/B of thread coarsening (docs/gpu.md, Strategy): fashion with one
# output per thread.
"$CNNC" "$ROOT/examples/fashion_mnist_cnn.mlir" --target=nvptx --gpu-arch="$GPU_ARCH" \
  --gpu-lanes=1 -o "$CARRY/models/fashion-lanes1-gpu.so"
# The A/B of shared-memory tiles: fashion without them.
"$CNNC" "$ROOT/examples/fashion_mnist_cnn.mlir" --target=nvptx --gpu-arch="$GPU_ARCH" \
  --gpu-shared-tile-bytes=0 -o "$CARRY/models/fashion-noshared-gpu.so"

echo "== tools and runtime"
cp -L "$BUILD/bin/cnnc-train" "$BUILD/bin/cnnc-cuda-probe" "$CARRY/bin/"
cp -L "$BUILD/lib/libcnnrt.so" "$CARRY/lib/"
zlib=$(ldd "$BUILD/lib/libcnnrt.so" | awk '$1 == "libz.so.1" {print $3}')
[[ -n "$zlib" ]] && cp -L "$zlib" "$CARRY/lib/fallback/libz.so.1"
# RUNPATH $ORIGIN/../lib, so the programs also run without LD_LIBRARY_PATH.
LINK=(-I"$ROOT/include" -L"$BUILD/lib" -lcnnrt -ldl -lm '-Wl,-rpath,$ORIGIN/../lib')
"$CC" -std=c11 -O2 -Wall "$ROOT/test/GPU/Inputs/parity.c" "${LINK[@]}" -o "$CARRY/bin/parity"
"$CC" -std=c11 -O2 -Wall "$ROOT/bench/gpu_model_bench.c" "${LINK[@]}" -o "$CARRY/bin/gpu_model_bench"
"$CC" -std=gnu11 -O2 -Wall -I"$ROOT/include" "$ROOT/bench/model_bench.c" -ldl -o "$CARRY/bin/model_bench"

# Every other shared library the carried programs load (ldd lists the whole
# closure): libpng, libturbojpeg and libzip of the data readers, Open MPI's
# libraries that cnnc-train links (MPI starts only under mpirun, so its
# plugins are not needed). The device script puts those its image lacks on
# the library path.
base='^(linux-vdso\.so\.1|libc\.so\.6|libm\.so\.6|libdl\.so\.2|libpthread\.so\.0|librt\.so\.1|libz\.so\.1|/lib64/ld-linux-x86-64\.so\.2)$'
for f in "$CARRY"/bin/* "$CARRY"/lib/*.so; do
  while read -r name _ path _; do
    [[ -z "$name" || "$name" =~ $base || "$path" == "$CARRY"/* ]] && continue
    [[ -f "$path" ]] || fail "$f needs $name, which is not installed here"
    [[ -f "$CARRY/lib/fallback/$name" ]] || cp -L "$path" "$CARRY/lib/fallback/$name"
  done < <(LD_LIBRARY_PATH="$CARRY/lib" ldd "$f")
done

echo "== Fashion-MNIST from $DATA_DIR"
cp -L "$DATA_DIR"/{train,t10k}-{images-idx3,labels-idx1}-ubyte.gz "$CARRY/data/fashion-mnist/"

echo "== checks"
# Every dependency resolves, inside carry/ or to a library of a plain
# Debian/Ubuntu base; the glibc the binaries need is recorded.
elves=("$CARRY"/bin/* "$CARRY"/lib/*.so "$CARRY"/models/*.so)
glibc_max=""
for f in "${elves[@]}"; do
  deps=$(LD_LIBRARY_PATH="$CARRY/lib" ldd "$f")
  if grep -q "not found" <<<"$deps"; then
    fail "$f: unresolved dependency: $(grep 'not found' <<<"$deps" | tr -s ' \t' ' ')"
  fi
  while read -r name _ path _; do
    [[ -z "$name" ]] && continue
    [[ "$path" == "$CARRY"/* || -f "$CARRY/lib/fallback/$name" ]] && continue
    [[ "$name" =~ $base ]] || fail "$f needs $name ($path), which is neither carried nor in a base image"
  done <<<"$deps"
  v=$(objdump -T "$f" 2>/dev/null | grep -o 'GLIBC_[0-9.]*' | sort -uV | tail -1 || true)
  [[ -n "$v" ]] && glibc_max=$(printf '%s\n%s\n' "$glibc_max" "$v" | sort -V | tail -1)
done
# The GPU libraries load without a driver here and are recognized as CUDA
# models: gpu_model_bench stops at the missing driver, not earlier.
if ! LD_LIBRARY_PATH="$CARRY/lib" "$CARRY/bin/cnnc-cuda-probe" >/dev/null 2>&1; then
  for f in "$CARRY"/models/*-gpu.so; do
    msg=$("$CARRY/bin/gpu_model_bench" "$f" --seconds 0.1 2>&1 || true)
    grep -q "no CUDA driver\|no CUDA device" <<<"$msg" ||
      fail "$f: expected gpu_model_bench to stop at the missing driver, got: $msg"
  done
fi
# A CPU library through the same programs: parity CPU vs CPU must pass.
"$CARRY/bin/parity" "$CARRY/models/small-cpu.so" "$CARRY/models/small-cpu.so" 5 2 | grep -q "^PASS:" ||
  fail "parity small-cpu vs small-cpu did not pass"

# The GPU image container: which images (cubin for which sm, PTX) each holds.
images=$(python3 - "$CARRY"/models/*-gpu.so <<'PY'
import struct, sys
for path in sys.argv[1:]:
    data = open(path, "rb").read()
    name, kinds, at = path.rsplit("/", 1)[-1], None, -1
    # The magic also occurs as the loader's string constant: take the
    # occurrence with a plausible header and image table.
    while kinds is None and (at := data.find(b"CNNCGPU1", at + 1)) >= 0:
        if at + 16 > len(data):
            break
        version, count = struct.unpack_from("<II", data, at + 8)
        if version != 1 or not 0 < count <= 16 or at + 16 + 24 * count > len(data):
            continue
        table = [struct.unpack_from("<IIQQ", data, at + 16 + 24 * i) for i in range(count)]
        if all(k in (1, 2) and at + o + n <= len(data) for k, _, o, n in table):
            kinds = [f"{ {1: 'cubin', 2: 'ptx'}[k]} sm_{a} {n} B" for k, a, _, n in table]
    print(f"{name}: " + (", ".join(kinds) if kinds else "no GPU image container found"))
PY
)
echo "$images" | sed 's/^/  /'
grep -q "cubin sm_90" <<<"$images" ||
  echo "gpu-carry.sh: warning: no sm_90 cubin embedded (no ptxas here?): the driver will JIT the PTX" >&2

{
  echo "staged: $(date -u +%Y-%m-%dT%H:%M:%SZ) on $(hostname)"
  echo "commit: $(git -C "$ROOT" rev-parse HEAD 2>/dev/null || echo unknown)"
  echo "uncommitted changes in lib include runtime tools examples test/GPU bench: $(git -C "$ROOT" status --porcelain -- lib include runtime tools examples test/GPU bench 2>/dev/null | wc -l)"
  echo "build: $BUILD (bin/cnnc $(date -u -r "$BUILD/bin/cnnc" +%Y-%m-%dT%H:%M:%SZ)); stale: ${stale:-no}"
  echo "gpu arch: $GPU_ARCH; C compiler: $("$CC" --version | head -1)"
  echo "highest glibc symbol version needed: ${glibc_max:-none}"
  echo "gpu images:"
  echo "$images" | sed 's/^/  /'
  echo "files:"
  (cd "$CARRY" && find bin lib models data -type f -print0 | sort -z |
     xargs -0 sha256sum | while read -r sum path; do
       printf '  %-45s %10s  %s\n' "$path" "$(stat -c %s "$path")" "${sum:0:16}"
     done)
} > "$CARRY/MANIFEST"

bytes=$(du -sb "$CARRY" | cut -f1)
mib=$(awk -v b="$bytes" 'BEGIN {printf "%.1f", b / 1048576}')
echo "carry/: $mib MiB ($bytes bytes) in $(find "$CARRY" -type f | wc -l) files; manifest: carry/MANIFEST"
if ((bytes > LIMIT_MIB * 1048576)); then
  fail "carry/ is $mib MiB, over the $LIMIT_MIB MiB limit"
fi
git -C "$ROOT" check-ignore -q "$CARRY" || fail "carry/ is not git-ignored (.gitignore must list /carry/)"
echo "device command: bash scripts/gpu-device-check.sh   (carry: [\"carry\"]; docs/gpu-device-runs.md)"
