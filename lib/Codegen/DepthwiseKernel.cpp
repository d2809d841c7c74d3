//===- DepthwiseKernel.cpp - vector kernels for depthwise convolution -----===//
//
// The pieces both kernels share (input lanes, initial accumulators, input
// indices with the padding applied) and the convolution kernel: an
// iteration owns one output row (image, oh) and walks its channel vectors;
// for each it computes blocks of output columns whose accumulators are
// loop-carried values of the kh loop, with the kw taps unrolled: per tap one
// kernel vector and, per column, one input vector and one FMA. The kh loop
// only visits the kernel rows inside the input; the blocks of border
// columns are peeled and skip the taps that fall into the padding.
//
//===----------------------------------------------------------------------===//

#include "DepthwiseKernel.h"

#include "mlir/Dialect/Affine/IR/AffineOps.h"

using namespace mlir;
using namespace cnnc;
using namespace cnnc::codegen;

DepthwiseKernelBuilder::DepthwiseKernelBuilder(
    const DepthwiseInfo &info, const DepthwiseTiling &tiling, Value flatInit,
    const AccumulatorSource &accumulator, std::optional<Epilogue> epilogue)
    : info(info), tiling(tiling), flatInit(flatInit), accumulator(accumulator),
      epilogue(epilogue), loc(linalg::LinalgOp(info.op).getLoc()) {
  vectorType =
      VectorType::get({tiling.width}, Float32Type::get(loc.getContext()));
  destination = accumulator.destination;
  if (epilogue) {
    Value epilogueInit = epilogue->op.getDpsInitOperand(0)->get();
    if (epilogueInit != epilogue->op.getDpsInputs()[epilogue->resultInput])
      destination = epilogueInit;
  }
}

Value DepthwiseKernelBuilder::constant(OpBuilder &b, int64_t value) {
  return arith::ConstantIndexOp::create(b, loc, value);
}

Value DepthwiseKernelBuilder::loadVector(OpBuilder &b, Value source,
                                         ValueRange indices) {
  Value zero = arith::ConstantOp::create(b, loc, b.getF32FloatAttr(0));
  return vector::TransferReadOp::create(b, loc, vectorType, source, indices,
                                        zero, ArrayRef<bool>{true});
}

Value DepthwiseKernelBuilder::loadInput(OpBuilder &b, Value image, Value row,
                                        Value column, Value j) {
  int64_t m = info.multiplier, width = tiling.width;
  if (m == 1)
    return loadVector(b, info.input, {image, row, column, j});
  Value channel = arith::DivUIOp::create(b, loc, j, constant(b, m));
  if (m % width == 0) {
    // Every lane reads the same input channel.
    Value scalar = tensor::ExtractOp::create(
        b, loc, info.input, ValueRange{image, row, column, channel});
    return vector::BroadcastOp::create(b, loc, vectorType, scalar);
  }
  // width / m input channels, each repeated m times.
  Value zero = arith::ConstantOp::create(b, loc, b.getF32FloatAttr(0));
  auto shortType = VectorType::get({width / m}, b.getF32Type());
  Value lanes = vector::TransferReadOp::create(
      b, loc, shortType, info.input, ValueRange{image, row, column, channel},
      zero, ArrayRef<bool>{true});
  SmallVector<int64_t> mask;
  for (int64_t lane = 0; lane < width; ++lane)
    mask.push_back(lane / m);
  return vector::ShuffleOp::create(b, loc, lanes, lanes, mask);
}

SmallVector<Value> DepthwiseKernelBuilder::initialAccumulators(
    OpBuilder &b, int64_t count, Value tile, ArrayRef<Value> tileIndices,
    ArrayRef<Value> indices, unsigned steppedDim, Value j) {
  switch (accumulator.kind) {
  case AccumulatorSource::Kind::Splat:
    return SmallVector<Value>(
        count,
        vector::BroadcastOp::create(b, loc, vectorType, accumulator.value));
  case AccumulatorSource::Kind::Bias:
    return SmallVector<Value>(count, loadVector(b, accumulator.value, {j}));
  case AccumulatorSource::Kind::Output: {
    // The tile holds the initial values when the kernel writes into the
    // op's own init; otherwise they are read from the init.
    bool fromTile = destination == flatInit;
    SmallVector<Value> accs;
    for (int64_t i = 0; i < count; ++i) {
      SmallVector<Value> at(fromTile ? tileIndices : indices);
      at[steppedDim] =
          arith::AddIOp::create(b, loc, at[steppedDim], constant(b, i));
      accs.push_back(loadVector(b, fromTile ? tile : flatInit, at));
    }
    return accs;
  }
  }
  llvm_unreachable("unknown accumulator source");
}

scf::ForallOp DepthwiseKernelBuilder::createLoop(OpBuilder &b,
                                                 ArrayRef<OpFoldResult> bounds,
                                                 ValueRange outputs) {
  auto forall = scf::ForallOp::create(b, loc, bounds, outputs, std::nullopt);
  if (!tiling.parallel)
    forall->setAttr("cnn.sequential", b.getUnitAttr());
  return forall;
}

ValueRange DepthwiseKernelBuilder::build(OpBuilder &b) {
  if (info.kind == DepthwiseInfo::Kind::KernelGradient)
    return buildKernelGradient(b);
  flatKernel = info.operand;
  if (info.hwcm) {
    SmallVector<ReassociationIndices> groups = {{0}, {1}, {2, 3}};
    flatKernel = tensor::CollapseShapeOp::create(b, loc, flatKernel, groups);
  }
  return buildConvolution(b).getDefiningOp()->getResults();
}

std::optional<Value>
DepthwiseKernelBuilder::inputIndex(OpBuilder &b, Position position, Value tap,
                                   std::optional<int64_t> knownTap,
                                   unsigned dim) {
  int64_t stride = info.strides[dim], dilation = info.dilations[dim];
  int64_t pad = dim == 0 ? info.padTop : info.padLeft;
  int64_t extent = dim == 0 ? info.inputH : info.inputW;
  if (position.known && knownTap) {
    int64_t index = *position.known * stride + *knownTap * dilation - pad;
    if (index < 0 || index >= extent)
      return std::nullopt;
    return constant(b, index);
  }
  // An interior position (or an unpadded input): every tap is inside.
  Value tapValue =
      knownTap ? constant(b, *knownTap * dilation)
               : arith::MulIOp::create(b, loc, tap, constant(b, dilation))
                     .getResult();
  Value scaled =
      arith::MulIOp::create(b, loc, position.value, constant(b, stride));
  Value index = arith::AddIOp::create(b, loc, scaled, tapValue);
  if (pad == 0)
    return index;
  return arith::SubIOp::create(b, loc, index, constant(b, pad)).getResult();
}

//===----------------------------------------------------------------------===//
// Convolution
//===----------------------------------------------------------------------===//

std::pair<Value, Value> DepthwiseKernelBuilder::kernelRowRange(OpBuilder &b,
                                                               Value row) {
  int64_t s = info.strides[0], d = info.dilations[0];
  bool padded = info.padTop > 0 ||
                (info.outputH - 1) * s + (info.kernelH - 1) * d - info.padTop >=
                    info.inputH;
  if (!padded)
    return {constant(b, 0), constant(b, info.kernelH)};
  // Kernel row kh reads input row oh * s + kh * d - padTop, which must lie
  // in [0, inputH).
  MLIRContext *ctx = b.getContext();
  AffineExpr oh = getAffineDimExpr(0, ctx);
  AffineMap beginMap = AffineMap::get(
      1, 0, {getAffineConstantExpr(0, ctx), (info.padTop - oh * s).ceilDiv(d)},
      ctx);
  AffineMap endMap =
      AffineMap::get(1, 0,
                     {getAffineConstantExpr(info.kernelH, ctx),
                      (info.inputH + info.padTop - oh * s).ceilDiv(d)},
                     ctx);
  return {affine::AffineMaxOp::create(b, loc, beginMap, ValueRange{row}),
          affine::AffineMinOp::create(b, loc, endMap, ValueRange{row})};
}

Value DepthwiseKernelBuilder::emitColumns(OpBuilder &b, int64_t count,
                                          Value tile, Value image, Value row,
                                          Position firstColumn, Value j,
                                          Value khBegin, Value khEnd) {
  Value zero = constant(b, 0);
  auto column = [&](OpBuilder &cb, int64_t c) -> Position {
    if (firstColumn.known)
      return {constant(cb, *firstColumn.known + c), *firstColumn.known + c};
    return {arith::AddIOp::create(cb, loc, firstColumn.value, constant(cb, c)),
            std::nullopt};
  };
  SmallVector<Value> accs =
      initialAccumulators(b, count, tile, {zero, zero, firstColumn.value, j},
                          {image, row, firstColumn.value, j}, 2, j);
  auto khLoop = scf::ForOp::create(
      b, loc, khBegin, khEnd, constant(b, 1), accs,
      [&](OpBuilder &nb, Location, Value kh, ValueRange iterArgs) {
        Value inputRow =
            *inputIndex(nb, {row, std::nullopt}, kh, std::nullopt, 0);
        SmallVector<Value> kernelVectors;
        for (int64_t kw = 0; kw < info.kernelW; ++kw)
          kernelVectors.push_back(
              loadVector(nb, flatKernel, {kh, constant(nb, kw), j}));
        SmallVector<Value> next(iterArgs);
        for (int64_t c = 0; c < count; ++c) {
          Position position = column(nb, c);
          for (int64_t kw = 0; kw < info.kernelW; ++kw) {
            std::optional<Value> inputColumn =
                inputIndex(nb, position, Value(), kw, 1);
            if (!inputColumn)
              continue; // the tap reads the zero padding
            Value x = loadInput(nb, image, inputRow, *inputColumn, j);
            next[c] =
                vector::FMAOp::create(nb, loc, x, kernelVectors[kw], next[c]);
          }
        }
        scf::YieldOp::create(nb, loc, next);
      });
  for (int64_t c = 0; c < count; ++c) {
    Value columnIndex = column(b, c).value;
    Value value = khLoop.getResult(c);
    if (epilogue)
      value = vectorizeEpilogue(b, loc, *epilogue, value,
                                {image, row, columnIndex, j}, tiling.width);
    tile = vector::TransferWriteOp::create(
               b, loc, value, tile, ValueRange{zero, zero, columnIndex, j},
               ArrayRef<bool>{true})
               .getResult();
  }
  return tile;
}

Value DepthwiseKernelBuilder::buildConvolution(OpBuilder &b) {
  int64_t columns = info.outputW, block = tiling.block;
  int64_t channelVectors = info.outputChannels() / tiling.width;
  int64_t fullBlocks = columns / block, remainder = columns % block;
  // Full blocks [interiorBegin, interiorEnd) read no padding and run in a
  // loop; the others are peeled.
  Interior interior =
      computeInterior(columns, info.strides[1], info.dilations[1], info.kernelW,
                      info.padLeft, info.inputW);
  int64_t interiorBegin =
      std::min(fullBlocks, (interior.begin + block - 1) / block);
  int64_t interiorEnd =
      std::max(interiorBegin, std::min(fullBlocks, interior.end / block));

  Value batch = tensor::DimOp::create(b, loc, destination, 0);
  scf::ForallOp forall = createLoop(
      b, {OpFoldResult(batch), b.getIndexAttr(info.outputH)}, destination);
  OpBuilder nb = OpBuilder::atBlockBegin(forall.getBody());
  Value image = forall.getInductionVars()[0];
  Value row = forall.getInductionVars()[1];
  Value shared = forall.getRegionIterArgs().front();
  std::pair<Value, Value> kernelRows = kernelRowRange(nb, row);
  Value khBegin = kernelRows.first, khEnd = kernelRows.second;
  // The tile: one output row of one image, every column and channel.
  SmallVector<OpFoldResult> offsets = {image, row, nb.getIndexAttr(0),
                                       nb.getIndexAttr(0)};
  SmallVector<OpFoldResult> sizes = {nb.getIndexAttr(1), nb.getIndexAttr(1),
                                     nb.getIndexAttr(columns),
                                     nb.getIndexAttr(info.outputChannels())};
  SmallVector<OpFoldResult> strides(4, nb.getIndexAttr(1));
  Value tile =
      tensor::ExtractSliceOp::create(nb, loc, shared, offsets, sizes, strides);
  auto channelLoop = scf::ForOp::create(
      nb, loc, constant(nb, 0), constant(nb, channelVectors), constant(nb, 1),
      ValueRange{tile},
      [&](OpBuilder &cb, Location, Value vectorIndex, ValueRange args) {
        Value j = arith::MulIOp::create(cb, loc, vectorIndex,
                                        constant(cb, tiling.width));
        Value result = args[0];
        auto peeled = [&](int64_t first, int64_t count) {
          result = emitColumns(cb, count, result, image, row,
                               {constant(cb, first), first}, j, khBegin, khEnd);
        };
        for (int64_t blockIndex = 0; blockIndex < interiorBegin; ++blockIndex)
          peeled(blockIndex * block, block);
        if (interiorEnd > interiorBegin) {
          auto blockLoop = scf::ForOp::create(
              cb, loc, constant(cb, interiorBegin), constant(cb, interiorEnd),
              constant(cb, 1), ValueRange{result},
              [&](OpBuilder &bb, Location, Value blockIndex, ValueRange inner) {
                Value first = arith::MulIOp::create(bb, loc, blockIndex,
                                                    constant(bb, block));
                scf::YieldOp::create(bb, loc,
                                     emitColumns(bb, block, inner[0], image,
                                                 row, {first, std::nullopt}, j,
                                                 khBegin, khEnd));
              });
          result = blockLoop.getResult(0);
        }
        for (int64_t blockIndex = interiorEnd; blockIndex < fullBlocks;
             ++blockIndex)
          peeled(blockIndex * block, block);
        if (remainder)
          peeled(fullBlocks * block, remainder);
        scf::YieldOp::create(cb, loc, result);
      });
  nb.setInsertionPointToStart(forall.getTerminator().getBody());
  tensor::ParallelInsertSliceOp::create(nb, loc, channelLoop.getResult(0),
                                        shared, offsets, sizes, strides);
  return forall.getResult(0);
}
