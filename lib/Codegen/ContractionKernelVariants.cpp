//===- ContractionKernelVariants.cpp - batch outside, fused pooling -------===//
//
// Two variants of the kernel: filter gradients run the batch loop outside
// the row blocks (outer_reductions = 1); a kernel whose output feeds a
// tiling max pooling reduces the pooling windows in registers.
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
  scf::ForallOp forall = createTileLoop(b, upperBounds);
  OpBuilder nb = OpBuilder::atBlockBegin(forall.getBody());
  SmallVector<Value> ivs = forall.getInductionVars();
  Value shared = forall.getRegionIterArgs().front();
  SmallVector<Value> loops(op.getNumLoops());
  for (auto [i, loop] : llvm::enumerate(info.outerLoops))
    loops[loop] = ivs[i];
  SmallVector<OpFoldResult> offsets, sizes,
      strides(outputRank, nb.getIndexAttr(1));
  tileBounds(nb, loops, nb.getIndexAttr(0), nb.getIndexAttr(info.rows),
             offsets, sizes);
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

Value KernelBuilder::emitPooledColumns(OpBuilder &b, int64_t count,
                                       Value tile, Value firstPooled,
                                       Value image, Value pooledRow) {
  int64_t kh = pool->windowH, kw = pool->windowW;
  int64_t groupColumns = vectors * width;
  unsigned imageLoop = info.outerLoops[0], outRowLoop = info.outerLoops[1];
  Value identity = pool->fill.getInputs()[0];
  auto forOp = scf::ForOp::create(
      b, loc, constant(b, 0), constant(b, info.columns / groupColumns),
      constant(b, 1), ValueRange{tile},
      [&](OpBuilder &nb, Location, Value group, ValueRange iterArgs) {
        Value groupStart = arith::MulIOp::create(nb, loc, group,
                                                 constant(nb, groupColumns));
        SmallVector<Value> columnValues, rowValues;
        for (int64_t v = 0; v < vectors; ++v)
          columnValues.push_back(arith::AddIOp::create(
              nb, loc, groupStart, constant(nb, v * width)));
        Value firstRow =
            arith::MulIOp::create(nb, loc, firstPooled, constant(nb, kw));
        for (int64_t r = 0; r < count * kw; ++r)
          rowValues.push_back(
              arith::AddIOp::create(nb, loc, firstRow, constant(nb, r)));
        SmallVector<Value> kept(
            count * vectors,
            vector::BroadcastOp::create(nb, loc, vectorType, identity));
        // The window's output rows one after the other.
        for (int64_t i = 0; i < kh; ++i) {
          SmallVector<Value> loops(op.getNumLoops());
          loops[imageLoop] = image;
          loops[outRowLoop] = arith::AddIOp::create(
              nb, loc,
              arith::MulIOp::create(nb, loc, pooledRow, constant(nb, kh)),
              constant(nb, i));
          SmallVector<Value> accs =
              initialAccumulators(nb, count * kw, iterArgs[0], rowValues,
                                  columnValues, {}, rowValues, loops);
          SmallVector<Value> result =
              emitReductions(nb, 0, loops, rowValues, columnValues, accs);
          for (int64_t p = 0; p < count; ++p)
            for (int64_t v = 0; v < vectors; ++v)
              for (int64_t j = 0; j < kw; ++j) {
                int64_t r = p * kw + j;
                loops[info.rowLoop] = rowValues[r];
                loops[info.columnLoop] = columnValues[v];
                Value value =
                    applyEpilogue(nb, result[r * vectors + v], loops);
                kept[p * vectors + v] = arith::MaximumFOp::create(
                    nb, loc, kept[p * vectors + v], value);
              }
        }
        Value zero = constant(nb, 0), out = iterArgs[0];
        for (int64_t p = 0; p < count; ++p)
          for (int64_t v = 0; v < vectors; ++v)
            out = vector::TransferWriteOp::create(
                      nb, loc, kept[p * vectors + v], out,
                      ValueRange{zero, zero, constant(nb, p), columnValues[v]},
                      ArrayRef<bool>{true})
                      .getResult();
        scf::YieldOp::create(nb, loc, out);
      });
  return forOp.getResult(0);
}

Value KernelBuilder::buildPooled(OpBuilder &b) {
  // Half the column vectors: the window's running maxima need registers too.
  if (vectors >= 4)
    vectors /= 2;
  auto pooledType = cast<RankedTensorType>(pool->op.getResult(0).getType());
  int64_t pooledRows = pooledType.getDimSize(1);
  int64_t pooledColumns = pooledType.getDimSize(2);
  int64_t perBlock = std::clamp<int64_t>(rows / pool->windowW, 1, pooledColumns);
  int64_t fullBlocks = pooledColumns / perBlock;
  int64_t remainder = pooledColumns % perBlock;
  destination = pool->fill.getOutputs()[0];
  SmallVector<OpFoldResult> upperBounds = {
      loopSizes[info.outerLoops[0]], b.getIndexAttr(pooledRows),
      b.getIndexAttr(fullBlocks + (remainder ? 1 : 0))};
  scf::ForallOp forall = createTileLoop(b, upperBounds);
  OpBuilder nb = OpBuilder::atBlockBegin(forall.getBody());
  SmallVector<Value> ivs = forall.getInductionVars();
  Value shared = forall.getRegionIterArgs().front();
  Value firstPooled =
      arith::MulIOp::create(nb, loc, ivs[2], constant(nb, perBlock));
  OpFoldResult count = nb.getIndexAttr(perBlock);
  if (remainder)
    count = arith::MinUIOp::create(
                nb, loc, constant(nb, perBlock),
                arith::SubIOp::create(nb, loc, constant(nb, pooledColumns),
                                      firstPooled))
                .getResult();
  SmallVector<OpFoldResult> offsets = {ivs[0], ivs[1], firstPooled,
                                       nb.getIndexAttr(0)};
  SmallVector<OpFoldResult> sizes = {nb.getIndexAttr(1), nb.getIndexAttr(1),
                                     count, nb.getIndexAttr(info.columns)};
  SmallVector<OpFoldResult> strides(4, nb.getIndexAttr(1));
  Value tile = tensor::ExtractSliceOp::create(nb, loc, shared, offsets, sizes,
                                              strides);
  Value result;
  if (!remainder) {
    result = emitPooledColumns(nb, perBlock, tile, firstPooled, ivs[0], ivs[1]);
  } else {
    Value isFull = arith::CmpIOp::create(nb, loc, arith::CmpIPredicate::ult,
                                         ivs[2], constant(nb, fullBlocks));
    auto ifOp = scf::IfOp::create(
        nb, loc, isFull,
        [&](OpBuilder &tb, Location) {
          scf::YieldOp::create(tb, loc,
                               emitPooledColumns(tb, perBlock, tile,
                                                 firstPooled, ivs[0], ivs[1]));
        },
        [&](OpBuilder &eb, Location) {
          scf::YieldOp::create(eb, loc,
                               emitPooledColumns(eb, remainder, tile,
                                                 firstPooled, ivs[0], ivs[1]));
        });
    result = ifOp.getResult(0);
  }
  nb.setInsertionPointToStart(forall.getTerminator().getBody());
  tensor::ParallelInsertSliceOp::create(nb, loc, result, shared, offsets,
                                        sizes, strides);
  return forall.getResult(0);
}

