//===- DepthwiseGradientKernel.cpp - depthwise kernel-gradient kernel -----===//
//
// An iteration owns one channel vector and a block of kernel rows: the
// accumulators of its taps stay in registers while the batch and every
// output position are reduced, each position loading one output-gradient
// vector and one input vector per tap. Border output rows and columns, whose
// taps partly read the zero padding, are peeled (their taps known at compile
// time), so the interior loops carry no checks.
//
//===----------------------------------------------------------------------===//

#include "DepthwiseKernel.h"

using namespace mlir;
using namespace cnnc;
using namespace cnnc::codegen;

SmallVector<Value>
DepthwiseKernelBuilder::accumulateTaps(OpBuilder &b, Value image, Position oh,
                                       Position ow, Value j, Value firstRow,
                                       ValueRange accs) {
  Value grad = loadVector(b, info.operand, {image, oh.value, ow.value, j});
  // Kernel rows are known when one iteration owns all of them.
  bool rowsKnown = tiling.block == info.kernelH;
  SmallVector<Value> next(accs);
  if (channelSum)
    next.back() = arith::AddFOp::create(b, loc, next.back(), grad);
  for (int64_t r = 0; r < tiling.block; ++r) {
    Value kh = arith::AddIOp::create(b, loc, firstRow, constant(b, r));
    std::optional<Value> inputRow = inputIndex(
        b, oh, kh, rowsKnown ? std::optional<int64_t>(r) : std::nullopt, 0);
    if (!inputRow)
      continue; // the whole kernel row reads the zero padding
    for (int64_t kw = 0; kw < info.kernelW; ++kw) {
      std::optional<Value> inputColumn = inputIndex(b, ow, Value(), kw, 1);
      if (!inputColumn)
        continue;
      Value x = loadInput(b, image, *inputRow, *inputColumn, j);
      int64_t tap = r * info.kernelW + kw;
      next[tap] = vector::FMAOp::create(b, loc, x, grad, next[tap]);
    }
  }
  return next;
}

/// Runs `body` over the positions [0, extent) of one dimension: the border
/// positions outside `interior` one by one with their value known, the
/// interior in an scf.for, all carrying `accs`.
static SmallVector<Value> forEachPosition(
    OpBuilder &b, Location loc, int64_t extent, Interior interior,
    ValueRange accs,
    function_ref<SmallVector<Value>(OpBuilder &, Position, ValueRange)> body) {
  SmallVector<Value> carried(accs);
  auto known = [&](int64_t p) {
    Value value = arith::ConstantIndexOp::create(b, loc, p);
    carried = body(b, {value, p}, carried);
  };
  for (int64_t p = 0; p < interior.begin; ++p)
    known(p);
  if (interior.end > interior.begin) {
    auto loop = scf::ForOp::create(
        b, loc, arith::ConstantIndexOp::create(b, loc, interior.begin),
        arith::ConstantIndexOp::create(b, loc, interior.end),
        arith::ConstantIndexOp::create(b, loc, 1), carried,
        [&](OpBuilder &lb, Location, Value iv, ValueRange args) {
          scf::YieldOp::create(lb, loc, body(lb, {iv, std::nullopt}, args));
        });
    carried.assign(loop.getResults().begin(), loop.getResults().end());
  }
  for (int64_t p = std::max(interior.begin, interior.end); p < extent; ++p)
    known(p);
  return carried;
}

SmallVector<Value> DepthwiseKernelBuilder::reduceRow(OpBuilder &b, Value image,
                                                     Position oh, Value j,
                                                     Value firstRow,
                                                     ValueRange accs) {
  Interior columns =
      computeInterior(info.outputW, info.strides[1], info.dilations[1],
                      info.kernelW, info.padLeft, info.inputW);
  return forEachPosition(b, loc, info.outputW, columns, accs,
                         [&](OpBuilder &cb, Position ow, ValueRange carried) {
                           return accumulateTaps(cb, image, oh, ow, j, firstRow,
                                                 carried);
                         });
}

ValueRange DepthwiseKernelBuilder::buildKernelGradient(OpBuilder &b) {
  int64_t rowsPerBlock = tiling.block, kernelW = info.kernelW;
  int64_t taps = rowsPerBlock * kernelW;
  int64_t channelVectors = info.outputChannels() / tiling.width;
  SmallVector<Value> outputs = {destination};
  if (channelSum)
    outputs.push_back(tensor::EmptyOp::create(
        b, loc, ArrayRef<int64_t>{info.outputChannels()}, b.getF32Type()));
  scf::ForallOp forall =
      createLoop(b,
                 {b.getIndexAttr(info.kernelH / rowsPerBlock),
                  b.getIndexAttr(channelVectors)},
                 outputs);
  OpBuilder nb = OpBuilder::atBlockBegin(forall.getBody());
  Value firstRow = arith::MulIOp::create(nb, loc, forall.getInductionVars()[0],
                                         constant(nb, rowsPerBlock));
  Value j = arith::MulIOp::create(nb, loc, forall.getInductionVars()[1],
                                  constant(nb, tiling.width));
  Value shared = forall.getRegionIterArgs().front();
  // The tile: this block's kernel rows, every column, one channel vector.
  SmallVector<OpFoldResult> offsets = {firstRow, nb.getIndexAttr(0), j};
  SmallVector<OpFoldResult> sizes = {nb.getIndexAttr(rowsPerBlock),
                                     nb.getIndexAttr(kernelW),
                                     nb.getIndexAttr(tiling.width)};
  SmallVector<OpFoldResult> strides(3, nb.getIndexAttr(1));
  Value tile =
      tensor::ExtractSliceOp::create(nb, loc, shared, offsets, sizes, strides);
  Value zero = constant(nb, 0);
  SmallVector<Value> accs;
  for (int64_t r = 0; r < rowsPerBlock; ++r) {
    Value kh = arith::AddIOp::create(nb, loc, firstRow, constant(nb, r));
    accs.append(initialAccumulators(
        nb, kernelW, tile, {constant(nb, r), zero, zero}, {kh, zero, j}, 1, j));
  }
  if (channelSum)
    accs.push_back(
        vector::BroadcastOp::create(nb, loc, vectorType, channelSum->start));

  // Reduce over the batch, then the output rows (border rows peeled).
  Interior rows =
      computeInterior(info.outputH, info.strides[0], info.dilations[0],
                      info.kernelH, info.padTop, info.inputH);
  Value batch = tensor::DimOp::create(nb, loc, info.input, 0);
  auto batchLoop = scf::ForOp::create(
      nb, loc, zero, batch, constant(nb, 1), accs,
      [&](OpBuilder &lb, Location, Value image, ValueRange carried) {
        scf::YieldOp::create(
            lb, loc,
            forEachPosition(lb, loc, info.outputH, rows, carried,
                            [&](OpBuilder &rb, Position oh, ValueRange args) {
                              return reduceRow(rb, image, oh, j, firstRow,
                                               args);
                            }));
      });
  for (int64_t tap = 0; tap < taps; ++tap)
    tile = vector::TransferWriteOp::create(
               nb, loc, batchLoop.getResult(tap), tile,
               ValueRange{constant(nb, tap / kernelW),
                          constant(nb, tap % kernelW), zero},
               ArrayRef<bool>{true})
               .getResult();
  Value sumTile;
  SmallVector<OpFoldResult> sumOffsets = {j},
                            sumSizes = {nb.getIndexAttr(tiling.width)},
                            sumStrides = {nb.getIndexAttr(1)};
  if (channelSum) {
    Value sums = forall.getRegionIterArgs()[1];
    sumTile = tensor::ExtractSliceOp::create(nb, loc, sums, sumOffsets,
                                             sumSizes, sumStrides);
    sumTile = vector::TransferWriteOp::create(
                  nb, loc, batchLoop.getResults().back(), sumTile,
                  ValueRange{zero}, ArrayRef<bool>{true})
                  .getResult();
  }
  nb.setInsertionPointToStart(forall.getTerminator().getBody());
  tensor::ParallelInsertSliceOp::create(nb, loc, tile, shared, offsets, sizes,
                                        strides);
  if (channelSum)
    tensor::ParallelInsertSliceOp::create(nb, loc, sumTile,
                                          forall.getRegionIterArgs()[1],
                                          sumOffsets, sumSizes, sumStrides);
  return forall.getResults();
}
