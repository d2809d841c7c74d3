//===- VectorizeContractions.cpp - register-blocked contraction kernels ---===//
//
// Rewrites every contraction annotated with `cnn.tiling` into an
// `scf.forall` over output tiles. One iteration owns `rows` output rows of
// one position of the outer parallel loops and loops over the column
// vectors in groups of `vectors`; the accumulators of a group live in vector
// registers (loop-carried values of the reduction loops) and each reduction
// step does `rows * vectors` fused multiply-adds. Producers that only
// initialize the accumulator (fill, bias broadcast) and an element-wise
// consumer (activation, activation gradient) are folded into the kernel.
//
//===----------------------------------------------------------------------===//

#include "cnnc/Codegen/ContractionAnalysis.h"
#include "cnnc/Codegen/Passes.h"
#include "cnnc/Dialect/CNN/IR/CNNDialect.h"

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Arith/Utils/Utils.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/IR/PatternMatch.h"

namespace cnnc::codegen {
#define GEN_PASS_DEF_CNNVECTORIZECONTRACTIONS
#include "cnnc/Codegen/Passes.h.inc"
} // namespace cnnc::codegen

using namespace mlir;
using namespace cnnc;
using namespace cnnc::codegen;

namespace {

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

AccumulatorSource findAccumulatorSource(linalg::LinalgOp op, bool fuse) {
  Value init = op.getDpsInitOperand(0)->get();
  AccumulatorSource source;
  source.destination = init;
  if (!fuse)
    return source;
  if (auto fill = init.getDefiningOp<linalg::FillOp>()) {
    source = {AccumulatorSource::Kind::Splat, fill.getInputs()[0], fill,
              fill.getOutputs()[0]};
  } else if (auto broadcast = init.getDefiningOp<linalg::BroadcastOp>()) {
    auto inputType = cast<ShapedType>(broadcast.getInput().getType());
    int64_t rank = cast<ShapedType>(init.getType()).getRank();
    // Only a vector along the last (column) dimension: a bias.
    if (inputType.getRank() == 1 &&
        llvm::equal(broadcast.getDimensions(), llvm::seq<int64_t>(0, rank - 1)))
      source = {AccumulatorSource::Kind::Bias, broadcast.getInput(), broadcast,
                broadcast.getInit()};
  }
  return source;
}

/// An element-wise `linalg.generic` applied to the tile before it is stored.
struct Epilogue {
  linalg::GenericOp op;
  /// The input operand that reads the contraction's result.
  unsigned resultInput = 0;
};

bool isVectorizableBodyOp(Operation &op) {
  if (op.getNumRegions() || op.getNumResults() != 1)
    return false;
  if (isa<arith::ConstantOp>(op))
    return op.getResult(0).getType().isIntOrFloat();
  return op.hasTrait<OpTrait::Elementwise>() &&
         llvm::all_of(op.getResultTypes(),
                      [](Type t) { return t.isIntOrFloat(); });
}

std::optional<Epilogue> findEpilogue(linalg::LinalgOp op) {
  // The only user; it may also name the result as its (unread) init, as
  // activations applied in place do.
  Value result = op->getResult(0);
  if (result.use_empty() ||
      !llvm::all_equal(llvm::map_range(
          result.getUsers(), [](Operation *user) { return user; })))
    return std::nullopt;
  auto generic = dyn_cast<linalg::GenericOp>(*result.user_begin());
  if (!generic || !generic.hasPureTensorSemantics() ||
      generic.getNumDpsInits() != 1 || generic.getNumResults() != 1 ||
      generic.getNumParallelLoops() != generic.getNumLoops())
    return std::nullopt;
  auto resultType = cast<RankedTensorType>(generic->getResult(0).getType());
  auto outputType = cast<RankedTensorType>(result.getType());
  if (resultType != outputType)
    return std::nullopt;
  OpOperand *init = generic.getDpsInitOperand(0);
  if (!generic.getMatchingIndexingMap(init).isIdentity() ||
      !generic.getMatchingBlockArgument(init).use_empty())
    return std::nullopt;
  unsigned lastLoop = generic.getNumLoops() - 1;
  std::optional<unsigned> resultInput;
  for (OpOperand *input : generic.getDpsInputOperands()) {
    AffineMap map = generic.getMatchingIndexingMap(input);
    auto type = dyn_cast<RankedTensorType>(input->get().getType());
    if (!type || !type.getElementType().isIntOrFloat() ||
        !map.isProjectedPermutation())
      return std::nullopt;
    if (input->get() == result) {
      if (resultInput || !map.isIdentity())
        return std::nullopt;
      resultInput = input->getOperandNumber();
      continue;
    }
    // Other inputs: a vector along the columns, or one scalar per row.
    bool columnIsLast = map.getNumResults() > 0 &&
                        map.getResults().back() ==
                            getAffineDimExpr(lastLoop, op.getContext());
    if (!columnIsLast && map.isFunctionOfDim(lastLoop))
      return std::nullopt;
  }
  if (!resultInput)
    return std::nullopt;
  Block *body = generic.getBlock();
  for (Operation &bodyOp : body->without_terminator()) {
    if (!isVectorizableBodyOp(bodyOp))
      return std::nullopt;
    for (Value operand : bodyOp.getOperands())
      if (operand.getParentBlock() != body && !operand.getType().isIntOrFloat())
        return std::nullopt;
  }
  return Epilogue{generic, *resultInput};
}

/// Emits the kernel of one annotated contraction.
class KernelBuilder {
public:
  KernelBuilder(linalg::LinalgOp op, const ContractionInfo &info,
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
    vectorType = VectorType::get({width}, Float32Type::get(op.getContext()));
  }

  /// Builds the forall at `b`'s insertion point; returns the tensor that
  /// replaces the contraction (or its epilogue).
  Value build(OpBuilder &b);

private:
  Value constant(OpBuilder &b, int64_t v) {
    return arith::ConstantIndexOp::create(b, loc, v);
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
  /// The kernel with the first reduction loop outside the row blocks.
  Value buildBatchOutside(OpBuilder &b);
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

  linalg::LinalgOp op;
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
};

SmallVector<Value> KernelBuilder::applyMap(OpBuilder &b, AffineMap map,
                                           ArrayRef<Value> loops) {
  SmallVector<Value> indices;
  for (AffineExpr expr : map.getResults()) {
    if (auto d = dyn_cast<AffineDimExpr>(expr)) {
      indices.push_back(loops[d.getPosition()]);
      continue;
    }
    indices.push_back(affine::AffineApplyOp::create(
        b, loc, AffineMap::get(map.getNumDims(), 0, expr), loops));
  }
  return indices;
}

SmallVector<Value> KernelBuilder::initialAccumulators(
    OpBuilder &b, int64_t count, Value target, ArrayRef<Value> targetRows,
    ArrayRef<Value> columnValues, ArrayRef<Value> targetOuter,
    ArrayRef<Value> rowValues, SmallVector<Value> loops) {
  SmallVector<Value> accs;
  Value zero = arith::ConstantOp::create(b, loc, b.getF32FloatAttr(0));
  switch (accumulator.kind) {
  case AccumulatorSource::Kind::Splat: {
    Value splat = vector::BroadcastOp::create(b, loc, vectorType,
                                              accumulator.value);
    accs.assign(count * vectors, splat);
    return accs;
  }
  case AccumulatorSource::Kind::Bias: {
    SmallVector<Value> bias;
    for (int64_t v = 0; v < vectors; ++v)
      bias.push_back(vector::TransferReadOp::create(
          b, loc, vectorType, accumulator.value, ValueRange{columnValues[v]},
          zero, ArrayRef<bool>{true}));
    for (int64_t r = 0; r < count; ++r)
      accs.append(bias);
    return accs;
  }
  case AccumulatorSource::Kind::Output: {
    // The tile holds the initial values when the kernel writes into the
    // contraction's own init; otherwise (an epilogue with its own
    // destination) they are read from the init at the global position.
    Value init = op.getDpsInitOperand(0)->get();
    bool fromTile = destination == init;
    for (int64_t r = 0; r < count; ++r)
      for (int64_t v = 0; v < vectors; ++v) {
        if (fromTile) {
          for (auto [i, loop] : llvm::enumerate(info.outerLoops))
            loops[loop] = targetOuter[i];
          loops[info.rowLoop] = targetRows[r];
        } else {
          loops[info.rowLoop] = rowValues[r];
        }
        loops[info.columnLoop] = columnValues[v];
        accs.push_back(vector::TransferReadOp::create(
            b, loc, vectorType, fromTile ? target : init,
            applyMap(b, outMap, loops), zero, ArrayRef<bool>{true}));
      }
    return accs;
  }
  }
  llvm_unreachable("unknown accumulator source");
}

SmallVector<Value> KernelBuilder::emitReductions(
    OpBuilder &b, unsigned depth, SmallVector<Value> &loops,
    ArrayRef<Value> rowValues, ArrayRef<Value> columnValues, ValueRange accs) {
  if (depth < info.reductionLoops.size()) {
    unsigned loop = info.reductionLoops[depth];
    auto forOp = scf::ForOp::create(
        b, loc, constant(b, 0), loopSizes[loop], constant(b, 1), accs,
        [&](OpBuilder &nb, Location, Value iv, ValueRange iterArgs) {
          loops[loop] = iv;
          SmallVector<Value> next = emitReductions(
              nb, depth + 1, loops, rowValues, columnValues, iterArgs);
          scf::YieldOp::create(nb, loc, next);
        });
    return SmallVector<Value>(forOp.getResults().begin(), forOp.getResults().end());
  }
  // One reduction step: load the column vectors, broadcast each row's
  // scalar and accumulate.
  Value zero = arith::ConstantOp::create(b, loc, b.getF32FloatAttr(0));
  Value lhs = op->getOperand(info.lhsOperand);
  Value rhs = op->getOperand(info.rhsOperand);
  SmallVector<Value> columnVectors;
  for (int64_t v = 0; v < vectors; ++v) {
    loops[info.columnLoop] = columnValues[v];
    columnVectors.push_back(vector::TransferReadOp::create(
        b, loc, vectorType, rhs, applyMap(b, rhsMap, loops), zero,
        ArrayRef<bool>{true}));
  }
  SmallVector<Value> next(accs.begin(), accs.end());
  for (auto [r, row] : llvm::enumerate(rowValues)) {
    loops[info.rowLoop] = row;
    Value scalar =
        tensor::ExtractOp::create(b, loc, lhs, applyMap(b, lhsMap, loops));
    Value splat = vector::BroadcastOp::create(b, loc, vectorType, scalar);
    for (int64_t v = 0; v < vectors; ++v)
      next[r * vectors + v] = vector::FMAOp::create(
          b, loc, splat, columnVectors[v], next[r * vectors + v]);
  }
  return next;
}

Value KernelBuilder::applyEpilogue(OpBuilder &b, Value acc,
                                   ArrayRef<Value> loops) {
  if (!epilogue)
    return acc;
  linalg::GenericOp generic = epilogue->op;
  // The epilogue's loops are the output's dimensions.
  SmallVector<Value> outputIndices = applyMap(b, outMap, loops);
  Block *body = generic.getBlock();
  IRMapping mapping;
  for (OpOperand *input : generic.getDpsInputOperands()) {
    Value arg = generic.getMatchingBlockArgument(input);
    if (input->getOperandNumber() == epilogue->resultInput) {
      mapping.map(arg, acc);
      continue;
    }
    AffineMap map = generic.getMatchingIndexingMap(input);
    SmallVector<Value> indices = applyMap(b, map, outputIndices);
    Type elementType = getElementTypeOrSelf(input->get().getType());
    unsigned lastLoop = generic.getNumLoops() - 1;
    if (map.getNumResults() && map.getResults().back() ==
                                   getAffineDimExpr(lastLoop, b.getContext())) {
      Value padding = arith::ConstantOp::create(b, loc, elementType,
                                                b.getZeroAttr(elementType));
      mapping.map(arg, vector::TransferReadOp::create(
                           b, loc, VectorType::get({width}, elementType),
                           input->get(), indices, padding,
                           ArrayRef<bool>{true}));
    } else {
      Value scalar = tensor::ExtractOp::create(b, loc, input->get(), indices);
      mapping.map(arg, vector::BroadcastOp::create(
                           b, loc, VectorType::get({width}, elementType),
                           scalar));
    }
  }
  for (Operation &bodyOp : body->without_terminator()) {
    SmallVector<Value> operands;
    for (Value operand : bodyOp.getOperands()) {
      if (Value mapped = mapping.lookupOrNull(operand)) {
        operands.push_back(mapped);
        continue;
      }
      // A scalar captured from above the generic.
      operands.push_back(vector::BroadcastOp::create(
          b, loc, VectorType::get({width}, operand.getType()), operand));
    }
    Type resultType = VectorType::get({width}, bodyOp.getResult(0).getType());
    Operation *vectorOp;
    if (auto cst = dyn_cast<arith::ConstantOp>(bodyOp)) {
      auto type = cast<VectorType>(resultType);
      vectorOp = arith::ConstantOp::create(
          b, loc, type,
          DenseElementsAttr::get(type, cast<TypedAttr>(cst.getValue())));
    } else {
      OperationState state(loc, bodyOp.getName(), operands, {resultType},
                           bodyOp.getAttrs());
      vectorOp = b.create(state);
    }
    mapping.map(bodyOp.getResult(0), vectorOp->getResult(0));
  }
  auto yield = cast<linalg::YieldOp>(body->getTerminator());
  return mapping.lookup(yield.getValues()[0]);
}

Value KernelBuilder::emitRows(OpBuilder &b, int64_t count, Value target,
                              Value targetRow, Value firstRow,
                              SmallVector<Value> loops, Phase phase) {
  int64_t groupColumns = vectors * width;
  auto forOp = scf::ForOp::create(
      b, loc, constant(b, 0), constant(b, info.columns / groupColumns),
      constant(b, 1), ValueRange{target},
      [&](OpBuilder &nb, Location, Value group, ValueRange iterArgs) {
        Value tile = iterArgs[0];
        Value groupStart = arith::MulIOp::create(nb, loc, group,
                                                 constant(nb, groupColumns));
        SmallVector<Value> columnValues, rowValues, targetRows, targetOuter;
        for (int64_t v = 0; v < vectors; ++v)
          columnValues.push_back(arith::AddIOp::create(
              nb, loc, groupStart, constant(nb, v * width)));
        for (int64_t r = 0; r < count; ++r) {
          rowValues.push_back(
              arith::AddIOp::create(nb, loc, firstRow, constant(nb, r)));
          targetRows.push_back(
              arith::AddIOp::create(nb, loc, targetRow, constant(nb, r)));
        }
        // Outer loops index position 0 of the tile.
        for (size_t i = 0; i < info.outerLoops.size(); ++i)
          targetOuter.push_back(constant(nb, 0));

        Value zero = constant(nb, 0);
        auto tileIndices = [&](int64_t r, int64_t v) {
          SmallVector<Value> tileLoops(op.getNumLoops(), zero);
          tileLoops[info.rowLoop] = targetRows[r];
          tileLoops[info.columnLoop] = columnValues[v];
          return applyMap(nb, outMap, tileLoops);
        };
        SmallVector<Value> accs;
        if (phase == Phase::Full || phase == Phase::Init) {
          accs = initialAccumulators(nb, count, tile, targetRows, columnValues,
                                     targetOuter, rowValues, loops);
        } else {
          Value padding =
              arith::ConstantOp::create(nb, loc, nb.getF32FloatAttr(0));
          for (int64_t r = 0; r < count; ++r)
            for (int64_t v = 0; v < vectors; ++v)
              accs.push_back(vector::TransferReadOp::create(
                  nb, loc, vectorType, tile, tileIndices(r, v), padding,
                  ArrayRef<bool>{true}));
        }
        SmallVector<Value> result = accs;
        if (phase == Phase::Full || phase == Phase::Accumulate)
          result = emitReductions(nb, phase == Phase::Full ? 0 : 1, loops,
                                  rowValues, columnValues, accs);

        for (int64_t r = 0; r < count; ++r)
          for (int64_t v = 0; v < vectors; ++v) {
            loops[info.rowLoop] = rowValues[r];
            loops[info.columnLoop] = columnValues[v];
            Value value = result[r * vectors + v];
            if (phase == Phase::Full || phase == Phase::Finish)
              value = applyEpilogue(nb, value, loops);
            tile = vector::TransferWriteOp::create(nb, loc, value, tile,
                                                   tileIndices(r, v),
                                                   ArrayRef<bool>{true})
                       .getResult();
          }
        scf::YieldOp::create(nb, loc, tile);
      });
  return forOp.getResult(0);
}

Value KernelBuilder::emitAllRows(OpBuilder &b, Value tile,
                                 SmallVector<Value> loops, Phase phase) {
  int64_t fullBlocks = info.rows / rows, remainder = info.rows % rows;
  auto blockLoop = scf::ForOp::create(
      b, loc, constant(b, 0), constant(b, fullBlocks), constant(b, 1),
      ValueRange{tile},
      [&](OpBuilder &nb, Location, Value block, ValueRange args) {
        Value first = arith::MulIOp::create(nb, loc, block, constant(nb, rows));
        scf::YieldOp::create(
            nb, loc, emitRows(nb, rows, args[0], first, first, loops, phase));
      });
  Value result = blockLoop.getResult(0);
  if (remainder) {
    Value first = constant(b, fullBlocks * rows);
    result = emitRows(b, remainder, result, first, first, loops, phase);
  }
  return result;
}

Value KernelBuilder::buildBatchOutside(OpBuilder &b) {
  // One iteration per position of the outer parallel loops; it owns all
  // rows and columns of its tile and runs the first reduction loop outside
  // the row blocks, keeping the partial sums in the tile.
  int64_t outputRank = outMap.getNumResults();
  SmallVector<OpFoldResult> upperBounds;
  for (unsigned loop : info.outerLoops)
    upperBounds.push_back(loopSizes[loop]);
  auto forall = scf::ForallOp::create(b, loc, upperBounds,
                                      ValueRange{destination}, std::nullopt);
  if (!parallel)
    forall->setAttr("cnn.sequential", b.getUnitAttr());
  OpBuilder nb = OpBuilder::atBlockBegin(forall.getBody());
  SmallVector<Value> ivs = forall.getInductionVars();
  Value shared = forall.getRegionIterArgs().front();
  SmallVector<Value> loops(op.getNumLoops());
  for (auto [i, loop] : llvm::enumerate(info.outerLoops))
    loops[loop] = ivs[i];
  SmallVector<OpFoldResult> offsets, sizes,
      strides(outputRank, nb.getIndexAttr(1));
  for (int64_t d = 0; d < outputRank; ++d) {
    unsigned loop = outMap.getDimPosition(d);
    bool inTile = loop == info.rowLoop || loop == info.columnLoop;
    offsets.push_back(inTile ? OpFoldResult(nb.getIndexAttr(0))
                             : OpFoldResult(loops[loop]));
    sizes.push_back(nb.getIndexAttr(loop == info.rowLoop      ? info.rows
                                    : loop == info.columnLoop ? info.columns
                                                              : 1));
  }
  Value tile = tensor::ExtractSliceOp::create(nb, loc, shared, offsets, sizes,
                                              strides);
  tile = emitAllRows(nb, tile, loops, Phase::Init);
  unsigned batchLoop = info.reductionLoops.front();
  auto batch = scf::ForOp::create(
      nb, loc, constant(nb, 0), loopSizes[batchLoop], constant(nb, 1),
      ValueRange{tile},
      [&](OpBuilder &lb, Location, Value iv, ValueRange args) {
        SmallVector<Value> inner = loops;
        inner[batchLoop] = iv;
        scf::YieldOp::create(
            lb, loc, emitAllRows(lb, args[0], inner, Phase::Accumulate));
      });
  tile = batch.getResult(0);
  if (epilogue)
    tile = emitAllRows(nb, tile, loops, Phase::Finish);
  nb.setInsertionPointToStart(forall.getTerminator().getBody());
  tensor::ParallelInsertSliceOp::create(nb, loc, tile, shared, offsets, sizes,
                                        strides);
  return forall.getResult(0);
}

Value KernelBuilder::build(OpBuilder &b) {
  for (Range range : op.createLoopRanges(b, loc))
    loopSizes.push_back(getValueOrCreateConstantIndexOp(b, loc, range.size));
  Value rowExtent = loopSizes[info.rowLoop];
  bool staticRows = !ShapedType::isDynamic(info.rows);
  int64_t remainder = staticRows ? info.rows % rows : -1;
  Value fullBlocks =
      arith::DivUIOp::create(b, loc, rowExtent, constant(b, rows));
  Value rowBlocks = arith::DivUIOp::create(
      b, loc,
      arith::AddIOp::create(b, loc, rowExtent, constant(b, rows - 1)),
      constant(b, rows));

  destination = accumulator.destination;
  if (epilogue) {
    Value epilogueInit = epilogue->op.getDpsInitOperand(0)->get();
    if (epilogueInit != op->getResult(0))
      destination = epilogueInit;
  }
  if (batchOutside)
    return buildBatchOutside(b);
  int64_t outputRank = outMap.getNumResults();
  SmallVector<OpFoldResult> upperBounds;
  for (unsigned loop : info.outerLoops)
    upperBounds.push_back(loopSizes[loop]);
  upperBounds.push_back(rowBlocks);

  auto forall = scf::ForallOp::create(b, loc, upperBounds,
                                      ValueRange{destination}, std::nullopt);
  if (!parallel)
    forall->setAttr("cnn.sequential", b.getUnitAttr());
  {
        OpBuilder nb = OpBuilder::atBlockBegin(forall.getBody());
        SmallVector<Value> ivs = forall.getInductionVars();
        Value shared = forall.getRegionIterArgs().front();
        Value block = ivs.back();
        Value firstRow =
            arith::MulIOp::create(nb, loc, block, constant(nb, rows));
        Value rowCount = arith::MinUIOp::create(
            nb, loc, constant(nb, rows),
            arith::SubIOp::create(nb, loc, rowExtent, firstRow));
        SmallVector<Value> loops(op.getNumLoops());
        for (auto [i, loop] : llvm::enumerate(info.outerLoops))
          loops[loop] = ivs[i];

        // The tile: one position of every outer loop, this block's rows,
        // all columns.
        SmallVector<OpFoldResult> offsets, sizes,
            strides(outputRank, nb.getIndexAttr(1));
        for (int64_t d = 0; d < outputRank; ++d) {
          unsigned loop = outMap.getDimPosition(d);
          if (loop == info.rowLoop) {
            offsets.push_back(firstRow);
            sizes.push_back(remainder == 0 ? OpFoldResult(nb.getIndexAttr(rows))
                                           : OpFoldResult(rowCount));
          } else if (loop == info.columnLoop) {
            offsets.push_back(nb.getIndexAttr(0));
            sizes.push_back(nb.getIndexAttr(info.columns));
          } else {
            offsets.push_back(loops[loop]);
            sizes.push_back(nb.getIndexAttr(1));
          }
        }
        Value tile = tensor::ExtractSliceOp::create(nb, loc, shared, offsets,
                                                    sizes, strides);
        Value zero = constant(nb, 0);
        Value result;
        if (remainder == 0) {
          result = emitRows(nb, rows, tile, zero, firstRow, loops);
        } else {
          Value isFull = arith::CmpIOp::create(
              nb, loc, arith::CmpIPredicate::ult, block, fullBlocks);
          auto ifOp = scf::IfOp::create(
              nb, loc, isFull,
              [&](OpBuilder &tb, Location) {
                scf::YieldOp::create(
                    tb, loc, emitRows(tb, rows, tile, zero, firstRow, loops));
              },
              [&](OpBuilder &eb, Location) {
                if (remainder > 0) {
                  scf::YieldOp::create(eb, loc,
                                       emitRows(eb, remainder, tile, zero,
                                                firstRow, loops));
                  return;
                }
                // Dynamic row extent: the last rows one at a time.
                auto rowLoop = scf::ForOp::create(
                    eb, loc, zero, rowCount, constant(eb, 1), ValueRange{tile},
                    [&](OpBuilder &rb, Location, Value r, ValueRange args) {
                      Value row = arith::AddIOp::create(rb, loc, firstRow, r);
                      scf::YieldOp::create(
                          rb, loc, emitRows(rb, 1, args[0], r, row, loops));
                    });
                scf::YieldOp::create(eb, loc, rowLoop.getResult(0));
              });
          result = ifOp.getResult(0);
        }
        nb.setInsertionPointToStart(forall.getTerminator().getBody());
        tensor::ParallelInsertSliceOp::create(nb, loc, result, shared, offsets,
                                              sizes, strides);
  }
  return forall.getResult(0);
}

struct VectorizeContractionsPass
    : codegen::impl::CNNVectorizeContractionsBase<VectorizeContractionsPass> {
  using CNNVectorizeContractionsBase::CNNVectorizeContractionsBase;

  void runOnOperation() override {
    SmallVector<linalg::LinalgOp> candidates;
    getOperation()->walk([&](linalg::LinalgOp op) {
      if (op->hasAttr("cnn.tiling"))
        candidates.push_back(op);
    });
    IRRewriter rewriter(&getContext());
    for (linalg::LinalgOp op : candidates) {
      auto tiling = dyn_cast<cnn::TilingAttr>(op->getAttr("cnn.tiling"));
      FailureOr<ContractionInfo> info = analyzeContraction(op);
      if (!tiling || failed(info) || info->columns % tiling.getWidth() ||
          (info->columns / tiling.getWidth()) % tiling.getVectors()) {
        op->emitError("cnn.tiling does not fit this op: it must be a "
                      "multiply-accumulate contraction whose column extent "
                      "is a multiple of vectors x width");
        return signalPassFailure();
      }
      AccumulatorSource accumulator =
          findAccumulatorSource(op, fuseProducers);
      std::optional<Epilogue> epilogue;
      if (fuseConsumers)
        epilogue = findEpilogue(op);
      Operation *replaced = epilogue ? epilogue->op.getOperation()
                                     : op.getOperation();
      rewriter.setInsertionPoint(replaced);
      KernelBuilder builder(op, *info, tiling, accumulator, epilogue);
      Value result = builder.build(rewriter);
      rewriter.replaceOp(replaced, result);
      if (epilogue)
        rewriter.eraseOp(op);
      if (accumulator.producer && accumulator.producer->use_empty())
        rewriter.eraseOp(accumulator.producer);
    }
  }
};

} // namespace
