//===- Passes.td - the NVPTX back end's passes -------------*- tablegen -*-===//
//
// What the GPU pipeline (`cnn-gpu-pipeline`) adds to upstream MLIR: a
// block/thread strategy for the bufferized linalg code, device buffers for
// temporaries, math without libdevice, one kernel module per model, status
// guards around the C entry points, and the PTX/cubin serialization.
//
//===----------------------------------------------------------------------===//

#ifndef CNNC_GPU_PASSES_TD
#define CNNC_GPU_PASSES_TD

include "mlir/Pass/PassBase.td"

def CNNGPUSplitReductions : Pass<"cnn-gpu-split-reductions", "mlir::func::FuncOp"> {
  let summary = "Split long sum reductions into parallel partial sums";
  let description = [{
    On the GPU each output element of a linalg op is one thread, and its
    reduction a sequential loop in that thread. Reductions with few outputs
    and a long reduction (bias and filter gradients summed over the batch
    and the image, dense products with a long K) then run on a few hundred
    threads, each looping over thousands of elements.

    This pass rewrites such a sum reduction (`out + f(ins)`, one result) on
    tensors into two ops: the same computation with some reduction
    dimensions made parallel, writing zero-initialized partial sums indexed
    by those dimensions, then a reduction of the partials into the original
    init. The second op is considered again, so long reductions become a
    tree of kernels. Dimensions are made parallel outermost first, until the
    op has `target-threads` threads or its remaining per-thread reduction is
    at most `min-reduction` long; dynamic sizes (the batch) count as
    `assumed-dynamic-size`. Named ops are generalized first. The sum is
    reassociated: results differ from the sequential order by rounding.
  }];
  let options = [
    Option<"targetThreads", "target-threads", "int64_t", "65536",
           "Threads a split op should reach">,
    Option<"minReduction", "min-reduction", "int64_t", "32",
           "Per-thread reduction length that is not split further">,
    Option<"assumedDynamicSize", "assumed-dynamic-size", "int64_t", "32",
           "Size assumed for dynamic loop dimensions (the batch)">,
  ];
  let dependentDialects = [
    "mlir::arith::ArithDialect",
    "mlir::linalg::LinalgDialect",
    "mlir::tensor::TensorDialect",
  ];
}

def CNNGPUDuplicateFills : Pass<"cnn-gpu-duplicate-fills", "mlir::func::FuncOp"> {
  let summary = "Give every user of a fill its own fill";
  let description = [{
    CSE merges identical fills: the three 64-element bias gradients of a
    training step then start from one zero tensor, and bufferization
    computes one of them in the fill's buffer and copies the zeros for the
    others (a kernel each on the GPU). This pass, run right before
    bufferization, clones a multi-use fill (a `linalg.fill`, or a linalg op
    without inputs that does not read its init, as generalization leaves
    it) and the `tensor.empty` it fills for every further user, so each
    accumulation starts from its own fill, which `cnn-gpu-fuse-loops` then
    fuses into it.
  }];
  let dependentDialects = ["mlir::tensor::TensorDialect"];
}

def CNNGPUEliminateCopies : Pass<"cnn-gpu-eliminate-copies", "mlir::func::FuncOp"> {
  let summary = "Compute a temporary in the slice it is copied into";
  let description = [{
    Bufferization computes each parameter's gradient into its own buffer and
    copies it (through a `memref.collapse_shape`) into the flat gradient;
    the optimizer's second moment is copied out of the state, updated and
    copied back. On the GPU every copy is a kernel launch.

    For a `linalg.copy` from a static temporary `A` (or a collapse of it) to
    a static slice `T` of a one-dimensional buffer `G` (an allocation or a
    function argument; the ABI's buffers do not overlap), in one block, this
    pass makes `A` a view of `T` (an expand_shape of the subview) and drops
    the copy, when:

    - every user of `A` is a linalg op (or its deallocation) before the
      copy, and
    - between `A`'s first user and the copy nothing touches `G` in a slice
      that may overlap `T`, except a copy of exactly `T` into `A`, which
      then copies `T` onto itself and is dropped too.
  }];
  let dependentDialects = ["mlir::memref::MemRefDialect"];
}

def CNNGPUFusePadding : Pass<"cnn-gpu-fuse-padding", "mlir::func::FuncOp"> {
  let summary = "Read padded inputs through bounds checks";
  let description = [{
    An input gradient convolves the zero-padded output gradient:
    `tensor.pad` becomes a fill and a copy into a larger buffer, two kernels
    and a buffer on the GPU; so does a pooling gradient that is
    `insert_slice`d into a filled tensor of the input's odd size. For a
    `linalg.generic` reading a `tensor.pad` (static low padding, a constant
    padding value) or an `insert_slice` at static offsets into a fill, this
    pass drops that operand and reads the unpadded tensor in the body: the
    operand's index expressions are evaluated on the loop indices, shifted
    by the low padding, and an out-of-bounds element yields the padding
    value (`tensor.extract` at a clamped index, then `arith.select`). Only
    when the other operands still determine every loop's range.
  }];
  let dependentDialects = [
    "mlir::affine::AffineDialect",
    "mlir::arith::ArithDialect",
    "mlir::tensor::TensorDialect",
  ];
}

def CNNGPUPrepareLinalg : Pass<"cnn-gpu-prepare-linalg", "mlir::func::FuncOp"> {
  let summary = "Order linalg loops for the GPU: parallel dimensions first";
  let description = [{
    `convert-linalg-to-parallel-loops` turns the leading run of parallel
    dimensions of a linalg op into one `scf.parallel` (which becomes a kernel)
    and everything from the first reduction dimension on into `scf.for`.
    This pass interchanges the iterators of every `linalg.generic` so that
    all parallel dimensions come first (reductions become per-thread loops
    instead of host loops around kernel launches). Ops without a parallel
    dimension (full reductions, 0-d updates) stay loops on the host here;
    `cnn-gpu-single-thread-kernels` moves them into one-thread kernels.
  }];
  let dependentDialects = ["mlir::scf::SCFDialect", "mlir::arith::ArithDialect"];
}

def CNNGPUFuseLoops : Pass<"cnn-gpu-fuse-loops", "mlir::func::FuncOp"> {
  let summary = "Fuse adjacent loop nests into one kernel";
  let description = [{
    Fuses adjacent `scf.parallel` loops with identical bounds when the
    second reads what the first writes only at the same indices (upstream's
    `naivelyFuseParallelOps`): a bias broadcast, the convolution
    accumulating onto it and its activation become one kernel. After
    bufferization the loops rarely qualify as they are, so first

    - `memref.dim` of `memref.collapse_shape` (a dimension that collapses
      one source dimension) and of `memref.expand_shape` (its output size)
      become the size of the source, then dims are folded and CSE'd: a loop
      over a flattened buffer then has the same batch bound as the others;
    - every `memref.alloc` moves to just after the definitions of its size
      operands in its block: an allocation has a side effect, and
      bufferization puts each one between two loops. Device temporaries
      come from a per-call workspace (docs/gpu.md), so when they are
      allocated within the call does not change memory use.

    Aliasing is upstream's local alias analysis, refined by `llvm.noalias`:
    two views of different function arguments, one of which is marked
    `llvm.noalias` (as `cnn-export-c-interface` marks an entry point's
    buffers), do not alias.
  }];
  let dependentDialects = ["mlir::memref::MemRefDialect"];
}

def CNNGPUPromoteAccumulators : Pass<"cnn-gpu-promote-accumulators", "mlir::func::FuncOp"> {
  let summary = "Carry reduction accumulators in registers across their loops";
  let description = [{
    A reduction lowered to loops loads and stores its output element on
    every iteration. In a kernel the buffers are global pointers LLVM cannot
    tell apart, so each iteration ends with a store to global memory. For an
    `scf.for` whose body (at its top level) loads an element and later
    stores to the same element, at a buffer and indices defined outside the
    loop, and where no other operation in the loop may read or write that
    buffer (local alias analysis, refined by `llvm.noalias` arguments), the
    element is loaded once before the loop, carried as an iter_arg and
    stored once after it. Innermost loops go first, so a convolution's whole
    window loop nest keeps its sum in a register.
  }];
  let dependentDialects = ["mlir::memref::MemRefDialect", "mlir::scf::SCFDialect"];
}

def CNNGPUCoarsenThreads : Pass<"cnn-gpu-coarsen-threads", "mlir::func::FuncOp"> {
  let summary = "Compute several neighbouring outputs per thread, sharing loads";
  let description = [{
    One thread per output element issues two loads per multiply-add in a
    convolution or product: the load/store units, not the FMA pipes, bound
    the kernel. This pass unrolls one parallel dimension of each kernel
    (outermost `scf.parallel`) by `lanes` and jams the lanes together: loops
    whose bounds are the same in every lane are cloned once with one set of
    iter_args per lane (`cnn-gpu-promote-accumulators` put the sums there),
    operations that compute the same value in every lane are cloned once,
    loads included when their loop writes no memory, and everything else
    once per lane. Coarsening a convolution along the output column, the
    filter value is loaded once for `lanes` outputs.

    The dimension is the one, other than the innermost (neighbouring threads
    keep neighbouring elements), that shares the most loads inside loops
    between lanes. When `lanes` does not divide its extent, the last lanes
    compute with a clamped index and their writes are guarded. Kernels that
    would keep fewer than `min-threads` threads (batch 32 for dynamic
    sizes) are left alone.
  }];
  let options = [
    Option<"lanes", "lanes", "int64_t", "4", "Outputs per thread (1: off)">,
    Option<"minThreads", "min-threads", "int64_t", "16384",
           "Fewest threads a coarsened kernel may keep">,
  ];
  let dependentDialects = ["mlir::arith::ArithDialect", "mlir::memref::MemRefDialect",
                           "mlir::scf::SCFDialect"];
}

def CNNGPUSingleThreadKernels : Pass<"cnn-gpu-single-thread-kernels", "mlir::func::FuncOp"> {
  let summary = "Buffer accesses outside kernels become one-thread kernels";
  let description = [{
    The buffers of a GPU entry point are device memory: its host code must
    not load or store. Ops without a parallel dimension (the loss and
    accuracy sums over the batch, and the stores of their scalar results)
    are not in any `scf.parallel` once canonicalization has folded the
    one-iteration loops `cnn-gpu-prepare-linalg` put them in. This pass
    moves each run of top-level operations that read or write memory,
    together with the later operations using their values, up to the next
    kernel, into a one-iteration `scf.parallel`: a kernel of one thread.
    A run extends over the kernels that do not conflict with it (neither
    writes what the other reads or writes, and they use none of its values)
    and its kernel goes after its last operation: kernels that host code
    used to separate can then fuse (`cnn-gpu-fuse-loops` runs next), and
    the loss's initial store, its sum and the accuracy count are one
    kernel. A value computed from a buffer and
    used by host code after the run is an error. Runs after the last
    canonicalization, which would fold the one-iteration loops again.
  }];
  let dependentDialects = ["mlir::arith::ArithDialect", "mlir::scf::SCFDialect"];
}

def CNNGPUFuseIndependentKernels : Pass<"cnn-gpu-fuse-independent-kernels", "mlir::func::FuncOp"> {
  let summary = "Merge adjacent kernels that do not depend on each other";
  let description = [{
    Kernels (outermost `scf.parallel` loops) between two host operations
    that touch memory are scheduled by level: a kernel's level is one more
    than the highest level of the earlier kernels it conflicts with (one
    writes what the other reads or writes: local alias analysis, refined by
    `llvm.noalias` arguments and disjoint static views). Kernels only move
    later, past host operations that do not touch memory, so their operands
    still dominate them. The kernels of one level (from 0 with step 1) are
    independent and become one kernel: its 1-D range is the concatenation
    of their iteration spaces, and each thread delinearizes its index into
    the kernel it falls in (innermost dimension fastest) and runs that
    body. Kernels over `max-threads` threads (batch 32 for
    dynamic sizes) are left alone.

    With `alignment` A above 1, each kernel's part of the range is padded
    to a multiple of A and its body guarded by its own size (the guard
    carries `cnnc.aligned_segment = A`): every aligned group of A threads,
    a block when A is the block size, then runs one kernel's body, which
    `cnn-gpu-stage-shared-tiles` needs for barriers (and no warp mixes two
    kernels).
  }];
  let options = [
    Option<"maxThreads", "max-threads", "int64_t", "1048576",
           "Largest kernel (threads) that is merged">,
    Option<"alignment", "alignment", "int64_t", "1",
           "Pad each merged kernel's range to a multiple of this">,
  ];
  let dependentDialects = ["mlir::arith::ArithDialect", "mlir::scf::SCFDialect"];
}

def CNNGPUMapParallelLoops : Pass<"cnn-gpu-map-parallel-loops", "mlir::func::FuncOp"> {
  let summary = "Map each outermost scf.parallel to a 1-D grid of blocks";
  let description = [{
    Collapses every outermost `scf.parallel` into one dimension, tiles it by
    `block-size` without min/max bounds (the tail is guarded by an `scf.if`)
    and maps the tile loop to `block_x` and the intra-tile loop to
    `thread_x`. Nested `scf.parallel` loops run sequentially in their thread.
    `convert-parallel-loops-to-gpu` then turns each nest into a `gpu.launch`.
  }];
  let options = [
    Option<"blockSize", "block-size", "int64_t", "256",
           "Threads per block">,
    Option<"report", "report", "bool", "false",
           "Remark on every kernel: threads (batch 32 for dynamic sizes) and "
           "the longest per-thread loop nest">,
  ];
  let dependentDialects = [
    "mlir::affine::AffineDialect",
    "mlir::arith::ArithDialect",
    "mlir::gpu::GPUDialect",
    "mlir::scf::SCFDialect",
  ];
}

def CNNGPUStageSharedTiles : Pass<"cnn-gpu-stage-shared-tiles", "mlir::func::FuncOp"> {
  let summary = "Stage block-shared operand tiles in workgroup (shared) memory";
  let description = [{
    Runs on the kernels `cnn-gpu-map-parallel-loops` made (a `block_x` loop
    around a `thread_x` loop whose body is guarded by `index < size`). A
    block's threads cover consecutive output elements, so with the output's
    innermost dimension `j` of extent J dividing the block size (or a
    multiple of it), every thread of a block reads the same part of an
    operand whose index depends only on `j`, the reduction loops and values
    common to the block: a convolution's filter, a product's weight matrix.
    For one such load inside the kernel's first reduction loop nest, this
    pass copies the operand's tile for the inner reduction loops into a
    workgroup buffer (`memref.alloca` in `#gpu.address_space<workgroup>`,
    which `cnn-gpu-workgroup-buffers` turns into a launch attribution):
    every thread of the block loads a share of it with neighbouring threads
    at neighbouring addresses, a `gpu.barrier` follows, the nest reads the
    tile instead of global memory, and a barrier ends each staging step.

    The tile is staged at the outermost loop of the nest whose inner loops
    it covers within `max-tile-bytes`; a single loop longer than that is
    strip-mined. A load whose operand's innermost index does not follow `j`
    (a filter read transposed, as in an input gradient) is copied in the
    operand's order and its rows padded by one element, so neither the
    copy nor the reads conflict on banks. A load is staged only when
    threads share its elements (J smaller than the block) or it is
    transposed; at most one per kernel, the most shared.

    Barriers need every thread of the block: the guard moves after the
    nest, threads past the end compute with a clamped index, and only
    the stores stay guarded. In a kernel that
    `cnn-gpu-fuse-independent-kernels` merged with the block size as
    alignment, each merged kernel's part (its guard marked
    `cnnc.aligned_segment`) is handled the same way, since every block runs
    one part; the tiles of one kernel stay within 48 KiB. The nest and what precedes it must not write
    memory; the loops around a staging point must have the same bounds in
    every thread.

    With `emulate` (the host emulation, where a block's threads run one
    after the other), each thread copies only the tile row it reads and no
    barriers are emitted: the tile layout and the reads are the same. With
    `emulate-all-shares` as well, each thread instead runs the copy of
    every thread of its block exactly as the GPU divides it (rounds,
    element order, the guard of the last round), so the emulation checks
    that division too; only the barriers are not emulated.
  }];
  let options = [
    Option<"maxTileBytes", "max-tile-bytes", "int64_t", "8192",
           "Largest workgroup tile per kernel in bytes (0: off)">,
    Option<"emulate", "emulate", "bool", "false",
           "Each thread copies its own tile row; no barriers (host emulation)">,
    Option<"emulateAllShares", "emulate-all-shares", "bool", "false",
           "With emulate: each thread runs every thread's share of the "
           "copy, divided as on the GPU (slower; tests the division)">,
    Option<"report", "report", "bool", "false",
           "Remark on every staged tile">,
  ];
  let dependentDialects = [
    "mlir::affine::AffineDialect",
    "mlir::arith::ArithDialect",
    "mlir::gpu::GPUDialect",
    "mlir::memref::MemRefDialect",
    "mlir::scf::SCFDialect",
  ];
}

def CNNGPUWorkgroupBuffers : Pass<"cnn-gpu-workgroup-buffers", "mlir::func::FuncOp"> {
  let summary = "Workgroup-memory allocas in launch bodies become attributions";
  let description = [{
    `cnn-gpu-stage-shared-tiles` allocates its tiles with `memref.alloca`
    in `#gpu.address_space<workgroup>` inside the thread loop, where
    `convert-parallel-loops-to-gpu` keeps them. This pass moves each such
    alloca in a `gpu.launch` body to a workgroup attribution of the launch,
    which kernel outlining carries to the `gpu.func` and the NVVM lowering
    turns into shared memory. A workgroup alloca inside a loop or a
    conditional of the launch body is an error.
  }];
  let dependentDialects = ["mlir::gpu::GPUDialect", "mlir::memref::MemRefDialect"];
}

def CNNGPUDeviceBuffers : Pass<"cnn-gpu-device-buffers", "mlir::func::FuncOp"> {
  let summary = "Allocate host-side temporaries in device memory";
  let description = [{
    Rewrites `memref.alloc` in host code as an async `gpu.alloc` (the form
    gpu-to-llvm lowers to `mgpuMemAlloc`) and drops `memref.dealloc`: after
    the loops became kernels, every buffer a host function allocates is only
    touched by kernels, and the runtime layer serves these allocations from a
    per-call workspace that is recycled when the entry point returns
    (docs/gpu.md). `memref.alloca` in host code is rejected: nothing on the
    host may hold tensor data; so are loads, stores and copies in host code,
    since every buffer is device memory (`cnn-gpu-single-thread-kernels`
    moves them into kernels).
  }];
  let dependentDialects = ["mlir::gpu::GPUDialect"];
}

def CNNGPUMergeKernelModules : Pass<"cnn-gpu-merge-kernel-modules", "mlir::ModuleOp"> {
  let summary = "Gather all outlined kernels in one gpu.module";
  let description = [{
    `gpu-kernel-outlining` puts every kernel in its own `gpu.module`. This
    pass moves all kernels into one module named `module-name`, so the
    library embeds one PTX text and one cubin, loads one CUDA module and runs
    `ptxas` once. Kernel launches are updated to the new symbol.
  }];
  let options = [
    Option<"moduleName", "module-name", "std::string", "\"cnn_kernels\"",
           "Name of the merged gpu.module">,
  ];
  let dependentDialects = ["mlir::gpu::GPUDialect"];
}

def CNNGPULegalizeMath : Pass<"cnn-gpu-legalize-math", "mlir::gpu::GPUModuleOp"> {
  let summary = "Lower math ops in kernels without libdevice";
  let description = [{
    Expands `math.powf`, `math.tanh` and friends into exp/log, replaces
    exp/log/erf by MLIR's f32 polynomial approximations and sqrt/abs/fma by
    LLVM intrinsics that the NVPTX back end selects directly
    (`sqrt.rn.f32`, ...), and `arith.maxnumf`/`minnumf` (softmax's row
    maximum) by `llvm.maxnum`/`llvm.minnum` (`max.f32`/`min.f32`). The
    kernels then need no libdevice bitcode, so PTX generation does not
    depend on a CUDA toolkit being installed and gives the same code
    everywhere.
  }];
  let dependentDialects = [
    "mlir::arith::ArithDialect",
    "mlir::LLVM::LLVMDialect",
    "mlir::math::MathDialect",
    "mlir::vector::VectorDialect",
  ];
}

def CNNGPUEntryGuards : Pass<"cnn-gpu-entry-guards", "mlir::ModuleOp"> {
  let summary = "Bracket every C entry point with the runtime's begin/end calls";
  let description = [{
    In every public C wrapper written by `cnn-export-c-interface`, the call
    of the implementation is preceded by `cnnc_gpu_entry_begin()` (driver,
    context, stream, workspace; optional CUDA graph capture) and only made
    when it returned 0; `cnnc_gpu_entry_end(begin_status)` then submits and
    synchronizes the work and its status (0, or 2 for a device error) is the
    wrapper's result. Both functions are implemented by the CUDA layer linked
    into every GPU library (runtime/cuda).
  }];
  let dependentDialects = [
    "mlir::arith::ArithDialect",
    "mlir::func::FuncDialect",
    "mlir::scf::SCFDialect",
  ];
}

def CNNGPUSerialize : Pass<"cnn-gpu-serialize", "mlir::ModuleOp"> {
  let summary = "Compile NVVM kernel modules to PTX (and cubin) in a gpu.binary";
  let description = [{
    Translates every `gpu.module` (already in the NVVM/LLVM dialects) to LLVM
    IR, emits PTX with LLVM's NVPTX back end for each architecture of
    `chip` (one, or a comma-separated list such as `sm_80,sm_90`),
    assembles each with `ptxas` when one is available, and replaces the
    module by a `gpu.binary` holding one object in cnnc's GPU image
    container (include/cnnc/Runtime/gpu_binary.h): per architecture the
    cubin, preferred at load time, and the PTX, JIT-compiled by the driver
    when no cubin fits the device.
  }];
  let options = [
    Option<"chip", "chip", "std::string", "\"sm_90\"",
           "Target GPU architectures: sm_90, or a list such as sm_80,sm_90">,
    Option<"ptxas", "ptxas", "std::string", "\"auto\"",
           "ptxas to build the cubin: `auto` (/usr/local/cuda/bin/ptxas or "
           "PATH when present), `none` (PTX only), or a path">,
    Option<"optLevel", "opt-level", "unsigned", "3",
           "LLVM optimization level of the kernels">,
  ];
  let dependentDialects = ["mlir::gpu::GPUDialect"];
}

#endif // CNNC_GPU_PASSES_TD
