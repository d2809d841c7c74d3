# lit configuration of cnnc's regression tests (IR, driver, end to end).

import os
import subprocess
import sys

import lit.formats
from lit.llvm import llvm_config
from lit.llvm.subst import ToolSubst

config.name = "cnnc"
config.test_format = lit.formats.ShTest(not llvm_config.use_lit_shell)
config.suffixes = [".mlir", ".test", ".c"]
config.excludes = ["Inputs", "Unit", "CMakeLists.txt", "lit.cfg.py",
                   "lit.site.cfg.py"]
config.test_source_root = os.path.dirname(__file__)
config.test_exec_root = os.path.join(config.cnnc_obj_root, "test")

config.substitutions.append(("%PATH%", config.environment["PATH"]))
config.substitutions.append(("%cnnc_src_root", config.cnnc_src_root))
config.substitutions.append(("%cnnc_lib_dir", config.cnnc_lib_dir))
config.substitutions.append(("%cnnc_obj_root", config.cnnc_obj_root))
config.substitutions.append(("%examples", os.path.join(config.cnnc_src_root, "examples")))
config.substitutions.append(("%unittests", os.path.join(config.cnnc_obj_root, "unittests")))

llvm_config.with_system_environment(["HOME", "TMPDIR"])
llvm_config.use_default_substitutions()

tool_dirs = [config.cnnc_tools_dir, config.llvm_tools_dir]
tools = [ToolSubst("cnnc", unresolved="fatal"),
         ToolSubst("cnnc-opt", unresolved="fatal"),
         ToolSubst("cnnc-train", unresolved="fatal"),
         ToolSubst("cnnc-translate", unresolved="fatal"),
         "FileCheck", "not", "count", "llvm-nm"]
llvm_config.add_tool_substitutions(tools, tool_dirs)

# The C compiler used to build apps against generated libraries.
config.substitutions.append(("%clang", os.path.join(config.llvm_tools_dir, "clang")))

# Tests that read the real Fashion-MNIST files (Debian dataset-fashion-mnist).
fashion_mnist_dir = os.environ.get("CNNC_FASHION_MNIST_DIR",
                                   "/usr/share/datasets/fashion-mnist")
if os.path.exists(os.path.join(fashion_mnist_dir, "t10k-images-idx3-ubyte.gz")):
    config.available_features.add("fashion-mnist")
config.environment["CNNC_FASHION_MNIST_DIR"] = fashion_mnist_dir

# Data-parallel training (docs/distributed.md). `mpi`: cnnc-train was built
# with MPI and mpirun is installed (Debian openmpi-bin); `%mpirun` runs
# ranks as root too (CI) and more ranks than cores, and copies through
# shared memory without CMA (containers without ptrace between processes
# refuse it). `no-mpi-build`: cnnc-train was built without MPI.
import shutil
if config.cnnc_have_mpi and shutil.which("mpirun"):
    config.available_features.add("mpi")
    config.substitutions.append(
        ("%mpirun", "mpirun --allow-run-as-root --oversubscribe "
                    "--mca btl_vader_single_copy_mechanism none"))
if not config.cnnc_have_mpi:
    config.available_features.add("no-mpi-build")

# The NVPTX back end (docs/gpu.md). `ptxas`: the CUDA toolkit's assembler,
# to check that every generated PTX assembles. `cuda-gpu`: a CUDA driver and
# device, for the tests that run kernels (skipped on CPU-only machines).
ptxas = os.environ.get("CNNC_PTXAS", "/usr/local/cuda/bin/ptxas")
if os.access(ptxas, os.X_OK):
    config.available_features.add("ptxas")
    config.substitutions.append(("%ptxas", ptxas))
config.substitutions.append(
    ("%cuda-probe", os.path.join(config.cnnc_tools_dir, "cnnc-cuda-probe")))
if os.access(os.path.join(config.cnnc_tools_dir, "cnnc-cuda-probe"), os.X_OK):
    import subprocess
    probe = subprocess.run([os.path.join(config.cnnc_tools_dir, "cnnc-cuda-probe")],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if probe.returncode == 0:
        config.available_features.add("cuda-gpu")

# The Python package (python/, docs/python.md) is tested with the
# interpreter running lit (Debian's python3) or $CNNC_PYTHON: `python-numpy`
# when it has NumPy (Debian python3-numpy), `pytest` when it also has pytest
# (python3-pytest).
python = os.environ.get("CNNC_PYTHON", sys.executable)
for feature, modules in (("python-numpy", "numpy"),
                         ("pytest", "numpy, pytest")):
    if subprocess.run([python, "-c", "import " + modules],
                      stdout=subprocess.DEVNULL,
                      stderr=subprocess.DEVNULL).returncode == 0:
        config.available_features.add(feature)
config.substitutions.append(("%python", python))
