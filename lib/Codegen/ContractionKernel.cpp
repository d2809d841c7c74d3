//===- ContractionKernel.cpp - the register-blocked kernel ----------------===//
//
// One forall iteration owns `rows` output rows of one position of the outer
// parallel loops and loops over the column vectors in groups of `vectors`;
// the accumulators of a group are loop-carried vector values of the
// reduction loops and each reduction step does `rows * vectors` FMAs.
//
//===----------------------------------------------------------------------===//

#include "ContractionKernel.h"

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Arith/Utils/Utils.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/IRMapping.h"

using namespace mlir;
using namespace cnnc;
using namespace cnnc::codegen;

SmallVector<Value> KernelBuilder::applyMap(OpBuilder &b, AffineMap map,
                                           ArrayRef<Value> loops) {
  return applyIndexingMap(b, loc, map, loops);
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
  // The epilogue's loops are the output's dimensions.
  return vectorizeEpilogue(b, loc, *epilogue, acc,
                           applyMap(b, outMap, loops), width);
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


void KernelBuilder::tileBounds(OpBuilder &b, ArrayRef<Value> loops,
                               OpFoldResult rowOffset, OpFoldResult rowCount,
                               SmallVectorImpl<OpFoldResult> &offsets,
                               SmallVectorImpl<OpFoldResult> &sizes) {
  for (int64_t d = 0, e = outMap.getNumResults(); d < e; ++d) {
    unsigned loop = outMap.getDimPosition(d);
    if (loop == info.rowLoop) {
      offsets.push_back(rowOffset);
      sizes.push_back(rowCount);
    } else if (loop == info.columnLoop) {
      offsets.push_back(b.getIndexAttr(0));
      sizes.push_back(b.getIndexAttr(info.columns));
    } else {
      offsets.push_back(loops[loop]);
      sizes.push_back(b.getIndexAttr(1));
    }
  }
}

scf::ForallOp KernelBuilder::createTileLoop(OpBuilder &b,
                                           ArrayRef<OpFoldResult> upperBounds) {
  auto forall = scf::ForallOp::create(b, loc, upperBounds,
                                      ValueRange{destination}, std::nullopt);
  if (!parallel)
    forall->setAttr("cnn.sequential", b.getUnitAttr());
  return forall;
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
  if (pool)
    return buildPooled(b);
  if (batchOutside)
    return buildBatchOutside(b);
  int64_t outputRank = outMap.getNumResults();
  SmallVector<OpFoldResult> upperBounds;
  for (unsigned loop : info.outerLoops)
    upperBounds.push_back(loopSizes[loop]);
  upperBounds.push_back(rowBlocks);

  scf::ForallOp forall = createTileLoop(b, upperBounds);
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
        tileBounds(nb, loops, firstRow,
                   remainder == 0 ? OpFoldResult(nb.getIndexAttr(rows))
                                  : OpFoldResult(rowCount),
                   offsets, sizes);
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

