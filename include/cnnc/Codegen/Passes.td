//===- Passes.td - CPU code generation passes --------------*- tablegen -*-===//
//
// Passes between linalg on tensors and bufferization that decide how the
// heavy ops run on the CPU: the tiling strategy and the register-blocked
// kernels it selects.
//
//===----------------------------------------------------------------------===//

#ifndef CNNC_CODEGEN_PASSES_TD
#define CNNC_CODEGEN_PASSES_TD

include "mlir/Pass/PassBase.td"

def CNNFuseElementwise : Pass<"cnn-fuse-elementwise"> {
  let summary = "Fuse chains of element-wise linalg ops into one loop nest";
  let description = [{
    Applies upstream's element-wise op fusion (linalg::
    populateElementwiseOpsFusionPatterns) to producers whose only user is
    the consumer, so nothing is computed twice. In a training step this
    folds an activation gradient into the pooling gradient that produces
    its input (`relu'(y) * route(dy)` in one pass over the tensor instead
    of two) and merges the element-wise tails of the loss and optimizer.
    Contractions are left to cnn-vectorize-contractions, which fuses their
    element-wise consumers into its kernels.
  }];
  let dependentDialects = ["mlir::linalg::LinalgDialect"];
}

def CNNSelectTiling : Pass<"cnn-select-tiling"> {
  let summary = "Choose a register tile for every contraction and record it";
  let description = [{
    Annotates each linalg contraction that `cnn-vectorize-contractions` can
    compute (see ContractionAnalysis.h: convolutions, their gradients and
    matrix products on f32 tensors whose output's last dimension is a
    multiple of the vector width) with a `cnn.tiling` attribute
    `#cnn.tiling<rows = R, vectors = J, width = W, parallel = P>`.

    The strategy keeps `R * J` accumulators, the `J` vectors loaded per
    reduction step and one broadcast in the target's vector registers and
    maximizes the FMAs per load, `R * J / (R + J)`, with `J` dividing the
    number of vectors in a row and `R` at most the row extent. `R` is
    then lowered while that does not add row blocks, so remainder blocks
    stay large. Ops already annotated are left alone, so a hand-written
    tiling in the IR wins.
  }];
  let options = [
    Option<"vectorWidth", "vector-width", "int64_t", "0",
           "f32 lanes per vector register (0: the module's cnn.target, "
           "else 8 as AVX2)">,
    Option<"vectorRegisters", "vector-registers", "int64_t", "0",
           "vector registers the kernels may use (0: the module's "
           "cnn.target, else 16 as AVX2; 32 with AVX-512VL)">,
    Option<"parallel", "parallel", "bool", "true",
           "distribute the tiles over threads (scf.forall)">,
  ];
}

def CNNVectorizeContractions : Pass<"cnn-vectorize-contractions"> {
  let summary = "Compute annotated contractions with register-blocked vector kernels";
  let description = [{
    Replaces every linalg contraction carrying a `cnn.tiling` attribute by
    an `scf.forall` over its row blocks and outer parallel loops. Each
    iteration computes a `rows x (vectors * width)` output tile: its
    accumulators are `vector<W x f32>` loop-carried values of the reduction
    loops, every reduction step loads `vectors` vectors of the column operand,
    broadcasts `rows` scalars of the row operand and issues
    `rows * vectors` `vector.fma`s. A row extent that is not a multiple of
    `rows` gets one smaller block (static extent) or single-row blocks
    (dynamic extent).

    With `fuse-producers`, an accumulator initialized by `linalg.fill` or by
    a `linalg.broadcast` of a bias vector starts from that value in
    registers instead of memory. With `fuse-consumers`, an element-wise
    `linalg.generic` that is the only user of the contraction (an activation,
    a bias add, an activation gradient) is applied to the accumulators
    before they are stored, so the pre-activation tensor is never written.
    With `fuse-pooling`, a `linalg.pooling_nhwc_max` whose windows tile the
    output (stride = window, no padding) and that is the (activated)
    output's only user - a convolution + ReLU + max-pool in inference - is
    computed in the kernel too: an iteration computes the window's output
    rows one after the other, keeps the running maximum in registers and
    stores only the pooled tile (half the column vectors per group, to leave
    registers for the maxima). The window's rows and columns are emitted as
    straight-line code, so only windows of at most 16 elements (4x4) are
    fused; larger ones (a global pooling) stay a separate pooling loop nest,
    which keeps compile time and code size bounded. Kernels whose tiling is
    not parallel get a forall marked `cnn.sequential`.
  }];
  let options = [
    Option<"fuseProducers", "fuse-producers", "bool", "true",
           "start accumulators from fill/broadcast producers in registers">,
    Option<"fuseConsumers", "fuse-consumers", "bool", "true",
           "apply an element-wise consumer before storing the tile">,
    Option<"fusePooling", "fuse-pooling", "bool", "true",
           "compute a max pooling that is the output's only user in the "
           "kernel and store only the pooled tensor">,
  ];
  let dependentDialects = [
    "mlir::affine::AffineDialect",
    "mlir::arith::ArithDialect",
    "mlir::scf::SCFDialect",
    "mlir::tensor::TensorDialect",
    "mlir::vector::VectorDialect",
  ];
}

def CNNTileParallel : Pass<"cnn-tile-parallel"> {
  let summary = "Tile the remaining linalg ops over their outer parallel loop";
  let description = [{
    Every linalg op on tensors that is not a register-blocked kernel
    (pooling, its gradients, element-wise ops, the optimizer update, ...)
    whose outermost loop is parallel is tiled with upstream's TilingInterface
    (scf::tileUsingSCF) into an `scf.forall` over that loop: one image per
    iteration for the dynamic batch, `chunk` elements per iteration for a
    static extent. cnn-distribute-tiles later runs those loops on threads, so
    the whole step, not only its contractions, uses every core. Ops with
    less work than a fork/join costs (static extents below `min-work`
    multiply-adds per batch image) stay sequential, as do ops already inside
    a loop and ops with several results.
  }];
  let options = [
    Option<"chunk", "chunk", "int64_t", "4096",
           "iterations of a static outer loop per tile">,
    Option<"minWork", "min-work", "int64_t", "4096",
           "loop iterations (a dynamic batch counting 1) below which an op "
           "stays sequential">,
  ];
  let dependentDialects = [
    "mlir::affine::AffineDialect",
    "mlir::scf::SCFDialect",
    "mlir::tensor::TensorDialect",
  ];
}

def CNNDistributeTiles : Pass<"cnn-distribute-tiles"> {
  let summary = "Run the kernels' scf.forall loops on threads or in sequence";
  let description = [{
    After bufferization, turns every `scf.forall` into an `scf.parallel`
    (which `convert-scf-to-openmp` maps onto OpenMP threads) when `parallel`
    is set and the loop is not marked `cnn.sequential` (tilings with
    `parallel = false`), and into nested `scf.for` loops otherwise. Uses
    upstream's forallToParallelLoop and forallToForLoop.
  }];
  let options = [
    Option<"parallel", "parallel", "bool", "true",
           "map unmarked forall loops to scf.parallel">,
  ];
  let dependentDialects = ["mlir::scf::SCFDialect"];
}

def CNNApproximateMath : Pass<"cnn-approximate-math"> {
  let summary = "Replace f32 exp/log/erf/tanh by vectorizable polynomials";
  let description = [{
    No vector math library is linked on the CPU, so `math.exp`,
    `math.tanh`, `math.erfc`, ... on `vector<8xf32>` would become LLVM
    intrinsics that the x86 back end splits into eight scalar libm calls
    each, in the middle of a kernel's epilogue (a conv2d with a fused
    sigmoid, gelu or softplus). This pass rewrites exp, expm1, log, log1p,
    log2, erf, erfc and tanh on f32 scalars and vectors into MLIR's
    polynomial approximations (populateMathPolynomialApproximationPatterns:
    Cephes/Eigen-style, a few ulp, inf/NaN and overflow handled), made of
    fma, floor, bit manipulation and arith ops that stay in vector
    registers; in scalar loops LLVM's loop vectorizer can then vectorize
    them. The GPU kernels use the same approximations (cnn-gpu-legalize-math).
  }];
  let dependentDialects = [
    "mlir::arith::ArithDialect",
    "mlir::math::MathDialect",
    "mlir::vector::VectorDialect",
  ];
}

def CNNVectorizeDepthwise : Pass<"cnn-vectorize-depthwise"> {
  let summary = "Vector kernels for depthwise convolutions and their gradients";
  let description = [{
    The contraction kernels of cnn-vectorize-contractions cannot compute a
    depthwise convolution: its operands both vary along the channel loop.
    This pass replaces every depthwise convolution on tensors
    (`linalg.depthwise_conv_2d_nhwc_hwc`, the forward and input-gradient
    form, and `linalg.depthwise_conv_2d_nhwc_hwcm` whose result is
    collapsed to `c * M + m`) and every depthwise kernel gradient (the
    `linalg.generic` of cnn-to-linalg reducing
    `x[n, oh*s + kh*d, ow*s + kw*d, j floordiv M] * dy[n, oh, ow, j]` over
    `n, oh, ow`) by an `scf.forall` of register-blocked vector code.

    The channels are vectorized: a vector holds `width` consecutive output
    channels `j` (`width` = `vector-width`, halved until it divides the
    channel count and fits the depth multiplier M), whose input channels
    `j floordiv M` are loaded as one vector (M = 1), a shorter vector with
    each lane repeated M times (M divides `width`) or a broadcast scalar.
    A convolution iteration owns one output row of one image (`n`, `oh`):
    for every channel vector it computes blocks of up to `rows` output
    columns whose accumulators stay in registers while the `kh` loop runs
    and the `kw` taps are unrolled (one FMA of an input vector with a
    kernel vector per tap and column); `rows` is chosen from
    `vector-registers`. A kernel gradient iteration owns one channel vector
    (and a block of kernel rows when the taps do not fit in the
    registers): the tap accumulators stay in registers over the whole
    batch and every output position. When the input is a `tensor.pad` of
    zeros, both kernels read its source and skip the taps that fall into
    the padding (kernel-row loop bounds, peeled border columns and rows),
    so the padded copy is never made.

    With `fuse-producers`, accumulators start from the `linalg.fill` or
    bias `linalg.broadcast` of the output in registers; with
    `fuse-consumers`, an element-wise consumer (the fused activation) is
    applied before the store, as in cnn-vectorize-contractions, and a
    kernel gradient whose taps fit in one iteration also computes the bias
    gradient beside it (the sum of the output gradient over all but the
    channels, one more accumulator per channel vector). Iterations
    run on threads (cnn-distribute-tiles) unless `parallel` is off or the
    op is too small to amortize a fork/join.
  }];
  let options = [
    Option<"vectorWidth", "vector-width", "int64_t", "0",
           "f32 lanes per vector register (0: the module's cnn.target, "
           "else 8 as AVX2)">,
    Option<"vectorRegisters", "vector-registers", "int64_t", "0",
           "vector registers the kernels may use (0: the module's "
           "cnn.target, else 16 as AVX2; 32 with AVX-512VL)">,
    Option<"parallel", "parallel", "bool", "true",
           "distribute the iterations over threads (scf.forall)">,
    Option<"fuseProducers", "fuse-producers", "bool", "true",
           "start accumulators from fill/broadcast producers in registers">,
    Option<"fuseConsumers", "fuse-consumers", "bool", "true",
           "apply an element-wise consumer before storing">,
  ];
  let dependentDialects = [
    "mlir::affine::AffineDialect",
    "mlir::arith::ArithDialect",
    "mlir::scf::SCFDialect",
    "mlir::tensor::TensorDialect",
    "mlir::vector::VectorDialect",
  ];
}

#endif // CNNC_CODEGEN_PASSES_TD
