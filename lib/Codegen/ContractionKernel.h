//===- ContractionKernel.h - register-blocked contraction kernels -*- C++ -*-===//
//
// Internal to lib/Codegen: what cnn-vectorize-contractions fuses into a
// kernel (KernelFusion.cpp) and the builder that emits the kernel
// (ContractionKernel.cpp: the default kernel; ContractionKernelVariants.cpp:
// batch outside the row blocks, fused max pooling).
//
//===----------------------------------------------------------------------===//

#ifndef CNNC_LIB_CODEGEN_CONTRACTIONKERNEL_H
#define CNNC_LIB_CODEGEN_CONTRACTIONKERNEL_H

#include "cnnc/Codegen/ContractionAnalysis.h"
#include "cnnc/Dialect/CNN/IR/CNNDialect.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"

namespace cnnc::codegen {

using mlir::AffineMap;
using mlir::ArrayRef;
using mlir::Location;
using mlir::OpBuilder;
using mlir::Operation;
using mlir::SmallVector;
using mlir::Value;
using mlir::ValueRange;
using mlir::VectorType;

/// Where the accumulators of a tile start from.
struct AccumulatorSource {
  enum class Kind { Output, Splat, Bias } kind = Kind::Output;
  /// The splat scalar or the 1-D bias tensor.
  Value value;
  /// The fill or broadcast folded into the kernel (erased when unused).
  Operation *producer = nullptr;
  /// The tensor the kernel writes into.
  Value destination;
};

/// The fill or bias broadcast that initializes `op`'s output, when `fuse`.
AccumulatorSource findAccumulatorSource(mlir::linalg::LinalgOp op, bool fuse);
/// The fill or bias broadcast that produces `init`, when `fuse`.
AccumulatorSource findAccumulatorSource(Value init, bool fuse);

/// An element-wise `linalg.generic` applied to the tile before it is stored.
struct Epilogue {
  mlir::linalg::GenericOp op;
  /// The input operand that reads the contraction's result.
  unsigned resultInput = 0;
};

/// The element-wise generic that is the only user of `op`'s result, when
/// its body can run on vectors.
std::optional<Epilogue> findEpilogue(mlir::linalg::LinalgOp op);
/// The element-wise generic that is the only user of `result`, when its
/// body can run on vectors.
std::optional<Epilogue> findEpilogue(Value result);

/// The indices `map` gives for the loop positions `loops` (affine.apply for
/// the non-trivial results).
SmallVector<Value> applyIndexingMap(OpBuilder &b, Location loc, AffineMap map,
                                    ArrayRef<Value> loops);

/// Applies `epilogue` to `acc`, the `width`-lane vector of its (identity-
/// mapped) output starting at `outputIndices`: the other inputs are read as
/// vectors along the last dimension or broadcast scalars.
Value vectorizeEpilogue(OpBuilder &b, Location loc, const Epilogue &epilogue,
                        Value acc, ArrayRef<Value> outputIndices,
                        int64_t width);

/// A max pooling over the kernel's (activated) output whose windows tile
/// the output rows (stride = window, no padding) and which is that output's
/// only user: the kernel reduces each window in registers and stores only
/// the pooled tensor.
struct PoolFusion {
  mlir::linalg::PoolingNhwcMaxOp op;
  int64_t windowH = 0, windowW = 0;
  /// The fill of the pooling's output (its identity, -inf).
  mlir::linalg::FillOp fill;
};

/// The largest pooling window (elements) a kernel computes: the window is
/// unrolled in the kernel.
inline constexpr int64_t kMaxFusedPoolWindow = 16;

/// The max pooling fusable into `op`'s kernel whose input is `result` (the
/// contraction's or its epilogue's result), with a window of at most
/// kMaxFusedPoolWindow elements.
std::optional<PoolFusion> findPoolConsumer(Value result,
                                           mlir::linalg::LinalgOp op,
                                           const ContractionInfo &info);

class KernelBuilder {
public:
  KernelBuilder(mlir::linalg::LinalgOp op, const ContractionInfo &info,
                cnn::TilingAttr tiling, const AccumulatorSource &accumulator,
                std::optional<Epilogue> epilogue)
      : op(op), info(info), accumulator(accumulator), epilogue(epilogue),
        rows(tiling.getRows()), vectors(tiling.getVectors()),
        width(tiling.getWidth()), parallel(tiling.getParallel()),
        batchOutside(tiling.getOuterReductions() == 1),
        loc(op.getLoc()) {
    outMap = op.getMatchingIndexingMap(op.getDpsInitOperand(0));
    lhsMap = op.getIndexingMapsArray()[info.lhsOperand];
    rhsMap = op.getIndexingMapsArray()[info.rhsOperand];
    vectorType = VectorType::get({width}, mlir::Float32Type::get(op.getContext()));
  }

  /// Builds the forall at `b`'s insertion point; returns the tensor that
  /// replaces the contraction (or its epilogue, or its fused pooling).
  Value build(OpBuilder &b);

  /// Fuses `fusion` (see findPoolConsumer) into the kernel.
  void setPool(const PoolFusion &fusion) { pool = fusion; }

private:
  Value constant(OpBuilder &b, int64_t v) {
    return mlir::arith::ConstantIndexOp::create(b, loc, v);
  }
  /// The indices of `map` at the loop positions `loops`.
  SmallVector<Value> applyMap(OpBuilder &b, AffineMap map,
                              ArrayRef<Value> loops);
  /// What emitRows does with a block of rows.
  enum class Phase {
    Full,       ///< initialize, reduce over every reduction loop, finish
    Init,       ///< store the initial accumulators
    Accumulate, ///< load, reduce over all but the first reduction loop, store
    Finish,     ///< load, apply the epilogue, store
  };

  /// Computes `count` rows of the target starting at `targetRow` (the
  /// contraction's row `firstRow`), all column groups.
  Value emitRows(OpBuilder &b, int64_t count, Value target, Value targetRow,
                 Value firstRow, SmallVector<Value> loops,
                 Phase phase = Phase::Full);
  /// emitRows over every row block of a tile that holds all rows.
  Value emitAllRows(OpBuilder &b, Value tile, SmallVector<Value> loops,
                    Phase phase);
  /// Offsets and sizes of the output tile at the outer-loop positions in
  /// `loops`: `rowCount` rows from `rowOffset`, all columns.
  void tileBounds(OpBuilder &b, ArrayRef<Value> loops,
                  mlir::OpFoldResult rowOffset, mlir::OpFoldResult rowCount,
                  mlir::SmallVectorImpl<mlir::OpFoldResult> &offsets,
                  mlir::SmallVectorImpl<mlir::OpFoldResult> &sizes);
  /// An scf.forall over `upperBounds` writing into `destination`, marked
  /// `cnn.sequential` when the tiling is not parallel.
  mlir::scf::ForallOp createTileLoop(OpBuilder &b,
                                     ArrayRef<mlir::OpFoldResult> upperBounds);
  /// The kernel with the first reduction loop outside the row blocks.
  Value buildBatchOutside(OpBuilder &b);
  /// The kernel fused with a max pooling: one iteration per (image, pooled
  /// row, block of pooled columns) computes the window's output rows one
  /// after the other and keeps their running maximum in registers.
  Value buildPooled(OpBuilder &b);
  /// `count` pooled columns from `firstPooled` on, all column groups.
  Value emitPooledColumns(OpBuilder &b, int64_t count, Value tile,
                          Value firstPooled, Value image, Value pooledRow);
  /// The reduction loops from `depth` on, carrying `accs`.
  SmallVector<Value> emitReductions(OpBuilder &b, unsigned depth,
                                    SmallVector<Value> &loops,
                                    ArrayRef<Value> rowValues,
                                    ArrayRef<Value> columnValues,
                                    ValueRange accs);
  SmallVector<Value> initialAccumulators(OpBuilder &b, int64_t count,
                                         Value target,
                                         ArrayRef<Value> targetRows,
                                         ArrayRef<Value> columnValues,
                                         ArrayRef<Value> targetOuter,
                                         ArrayRef<Value> rowValues,
                                         SmallVector<Value> loops);
  Value applyEpilogue(OpBuilder &b, Value acc, ArrayRef<Value> loops);

  mlir::linalg::LinalgOp op;
  ContractionInfo info;
  AccumulatorSource accumulator;
  std::optional<Epilogue> epilogue;
  int64_t rows, vectors, width;
  bool parallel;
  bool batchOutside;
  Location loc;
  AffineMap outMap, lhsMap, rhsMap;
  VectorType vectorType;
  SmallVector<Value> loopSizes;
  /// The tensor the kernel writes into.
  Value destination;
  std::optional<PoolFusion> pool;
};


} // namespace cnnc::codegen

#endif // CNNC_LIB_CODEGEN_CONTRACTIONKERNEL_H
