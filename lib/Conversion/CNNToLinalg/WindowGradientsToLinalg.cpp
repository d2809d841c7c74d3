//===- WindowGradientsToLinalg.cpp - conv and pooling gradients ----------===//
//
// Transposed windows are computed as gathers so every op is a plain linalg
// op on tensors: the output gradient is dilated by the stride (zeros in
// between) and padded, then a stride-1 window op runs over it. Max/min
// pooling records the first extremal position of every window (TensorFlow's
// tie rule) and routes the gradient there.
//
//===----------------------------------------------------------------------===//

#include "LoweringUtils.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

#include <limits>

using namespace mlir;
using namespace cnnc::cnn;
using namespace cnnc::cnn::lowering;

namespace {

//===----------------------------------------------------------------------===//
// Convolution gradients
//===----------------------------------------------------------------------===//

struct Conv2DGradInputLowering : OpConversionPattern<Conv2DGradInputOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(Conv2DGradInputOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &b) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = b.getContext();
    RankedTensorType inputType = op.getType();
    auto filterType = cast<RankedTensorType>(op.getFilter().getType());
    ArrayRef<int64_t> strides = op.getStrides(), dilations = op.getDilations();
    auto [height, width] =
        computeGeometry(inputType, filterType.getShape().take_front(2),
                        strides, dilations, op.getPadding());

    // dx[i] = sum_k dyDilated[i + padBefore - k * d] * w[k]: a stride-1
    // convolution of the padded, dilated gradient with the flipped filter.
    Value zero = f32(b, loc, 0);
    Value dilated = dilateSpatial(b, loc, adaptor.getOutputGrad(), strides[0],
                                  strides[1], zero);
    auto low = [](const WindowDim &d) {
      return (d.window - 1) * d.dilation - d.padBefore;
    };
    auto high = [](const WindowDim &d) {
      return d.input + d.padBefore - (d.output - 1) * d.stride - 1;
    };
    Value padded = padHW(b, loc, dilated, low(height), high(height),
                         low(width), high(width), zero);

    int64_t kh = filterType.getDimSize(0), kw = filterType.getDimSize(1);
    auto flippedType = RankedTensorType::get(
        {kh, kw, filterType.getDimSize(3), filterType.getDimSize(2)},
        b.getF32Type());
    AffineMap flip = AffineMap::get(
        4, 0,
        {getAffineConstantExpr(kh - 1, ctx) - dim(ctx, 0),
         getAffineConstantExpr(kw - 1, ctx) - dim(ctx, 1), dim(ctx, 3),
         dim(ctx, 2)},
        ctx);
    Value flipped =
        linalg::GenericOp::create(
            b, loc, TypeRange{flippedType}, ValueRange{adaptor.getFilter()},
            ValueRange{tensor::EmptyOp::create(b, loc, flippedType.getShape(),
                                               b.getF32Type())},
            ArrayRef<AffineMap>{flip, b.getMultiDimIdentityMap(4)},
            SmallVector<IteratorType>(4, kParallel),
            [](OpBuilder &nb, Location l, ValueRange args) {
              linalg::YieldOp::create(nb, l, args[0]);
            })
            .getResult(0);
    Value init = createZeros(b, loc, inputType, adaptor.getOutputGrad());
    b.replaceOp(op, linalg::Conv2DNhwcHwcfOp::create(
                        b, loc, TypeRange{inputType},
                        ValueRange{padded, flipped}, ValueRange{init},
                        getPairAttr(b, 1, 1),
                        getPairAttr(b, dilations[0], dilations[1]))
                        .getResult(0));
    return success();
  }
};

struct Conv2DGradFilterLowering : OpConversionPattern<Conv2DGradFilterOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(Conv2DGradFilterOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &b) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = b.getContext();
    RankedTensorType filterType = op.getType();
    auto inputType = cast<RankedTensorType>(op.getInput().getType());
    ArrayRef<int64_t> s = op.getStrides(), d = op.getDilations();
    auto [height, width] =
        computeGeometry(inputType, filterType.getShape().take_front(2), s, d,
                        op.getPadding());
    Value padded = padSpatial(b, loc, adaptor.getInput(), height, width, 0.0);
    // dw[kh, kw, c, f] = sum_{n, oh, ow} x[n, oh*s + kh*d, ow*s + kw*d, c]
    //                                   * dy[n, oh, ow, f]
    // loops: (kh, kw, c, f | n, oh, ow)
    AffineMap inputMap = AffineMap::get(
        7, 0,
        {dim(ctx, 4), dim(ctx, 5) * s[0] + dim(ctx, 0) * d[0],
         dim(ctx, 6) * s[1] + dim(ctx, 1) * d[1], dim(ctx, 2)},
        ctx);
    AffineMap gradMap = AffineMap::get(
        7, 0, {dim(ctx, 4), dim(ctx, 5), dim(ctx, 6), dim(ctx, 3)}, ctx);
    AffineMap outMap = AffineMap::get(
        7, 0, {dim(ctx, 0), dim(ctx, 1), dim(ctx, 2), dim(ctx, 3)}, ctx);
    Value init = createZeros(b, loc, filterType, adaptor.getInput());
    SmallVector<IteratorType> iterators = {kParallel,  kParallel,  kParallel,
                                           kParallel,  kReduction, kReduction,
                                           kReduction};
    b.replaceOp(op, linalg::GenericOp::create(
                        b, loc, TypeRange{filterType},
                        ValueRange{padded, adaptor.getOutputGrad()},
                        ValueRange{init},
                        ArrayRef<AffineMap>{inputMap, gradMap, outMap},
                        iterators,
                        [](OpBuilder &nb, Location l, ValueRange args) {
                          Value product =
                              arith::MulFOp::create(nb, l, args[0], args[1]);
                          linalg::YieldOp::create(
                              nb, l,
                              Value(arith::AddFOp::create(nb, l, args[2],
                                                          product)));
                        })
                        .getResult(0));
    return success();
  }
};

//===----------------------------------------------------------------------===//
// Pooling gradient
//===----------------------------------------------------------------------===//

struct Pool2DGradLowering : OpConversionPattern<Pool2DGradOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(Pool2DGradOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &b) const override {
    Location loc = op.getLoc();
    RankedTensorType inputType = op.getType();
    ArrayRef<int64_t> window = op.getWindow(), strides = op.getStrides();
    auto [height, width] = computeGeometry(inputType, window, strides, {1, 1},
                                           op.getPadding());
    // Gradients of the padded input come from a stride-1 window over the
    // dilated output gradient padded by window - 1 on the low side.
    auto high = [](const WindowDim &d) {
      return d.input + d.padBefore + d.padAfter - (d.output - 1) * d.stride -
             1;
    };
    int64_t highRows = high(height), highColumns = high(width);
    auto spread = [&](Value value, Value fill) {
      Value dilated =
          dilateSpatial(b, loc, value, strides[0], strides[1], fill);
      return padHW(b, loc, dilated, window[0] - 1, highRows, window[1] - 1,
                   highColumns, fill);
    };
    if (height.stride == height.window && width.stride == width.window &&
        height.padBefore == 0 && height.padAfter == 0 &&
        width.padBefore == 0 && width.padAfter == 0) {
      b.replaceOp(op, tiledWindowGrad(b, loc, op, adaptor, height, width));
      return success();
    }
    SmallVector<int64_t> paddedShape(inputType.getShape());
    paddedShape[1] += height.padBefore + height.padAfter;
    paddedShape[2] += width.padBefore + width.padAfter;
    auto paddedType = RankedTensorType::get(paddedShape, b.getF32Type());
    Value dy = adaptor.getOutputGrad();
    Value paddedGrad;
    if (op.getKind() == PoolKind::Avg) {
      Value scaled = scaleByWindowReciprocals(b, loc, dy, height, width);
      Value windowShape = tensor::EmptyOp::create(
          b, loc, ArrayRef<int64_t>(window), b.getF32Type());
      Value init = createZeros(b, loc, paddedType, dy);
      paddedGrad = linalg::PoolingNhwcSumOp::create(
                       b, loc, TypeRange{paddedType},
                       ValueRange{spread(scaled, f32(b, loc, 0)), windowShape},
                       ValueRange{init}, getPairAttr(b, 1, 1),
                       getPairAttr(b, 1, 1))
                       .getResult(0);
    } else {
      Value positions = extremalPositions(b, loc, op, adaptor, height, width);
      Value noPosition =
          arith::ConstantOp::create(b, loc, b.getI32IntegerAttr(-1));
      paddedGrad = routeToPositions(b, loc, spread(dy, f32(b, loc, 0)),
                                    spread(positions, noPosition), paddedType,
                                    window, dy);
    }
    b.replaceOp(op, unpadHW(b, loc, paddedGrad, inputType, height, width));
    return success();
  }

  /// Windows that tile the input (stride = window, no padding): every input
  /// element lies in at most one window, so its gradient is read from that
  /// window's output gradient directly (`h floordiv KH`, `h mod KH`), with
  /// no spreading, padding or masks. Rows and columns past the last window
  /// get zeros.
  static Value tiledWindowGrad(OpBuilder &b, Location loc, Pool2DGradOp op,
                               OpAdaptor adaptor, const WindowDim &height,
                               const WindowDim &width) {
    MLIRContext *ctx = b.getContext();
    RankedTensorType inputType = op.getType();
    int64_t kh = height.window, kw = width.window;
    SmallVector<int64_t> coveredShape(inputType.getShape());
    coveredShape[1] = height.output * kh;
    coveredShape[2] = width.output * kw;
    auto coveredType = RankedTensorType::get(coveredShape, b.getF32Type());
    Value dy = adaptor.getOutputGrad();
    // loops: (n, h, w, c) over the covered part of the input
    AffineExpr n = dim(ctx, 0), h = dim(ctx, 1), w = dim(ctx, 2),
               c = dim(ctx, 3);
    AffineMap windowMap =
        AffineMap::get(4, 0, {n, h.floorDiv(kh), w.floorDiv(kw), c}, ctx);
    AffineMap id = b.getMultiDimIdentityMap(4);
    Value init = createEmptyLike(b, loc, coveredType, dy);
    Value grad;
    if (op.getKind() == PoolKind::Avg) {
      double scale = 1.0 / double(kh * kw);
      grad = linalg::GenericOp::create(
                 b, loc, TypeRange{coveredType}, ValueRange{dy},
                 ValueRange{init}, ArrayRef<AffineMap>{windowMap, id},
                 SmallVector<IteratorType>(4, kParallel),
                 [&](OpBuilder &nb, Location l, ValueRange args) {
                   linalg::YieldOp::create(
                       nb, l,
                       Value(arith::MulFOp::create(nb, l, args[0],
                                                   f32(nb, l, scale))));
                 })
                 .getResult(0);
    } else {
      Value positions = extremalPositions(b, loc, op, adaptor, height, width);
      grad = linalg::GenericOp::create(
                 b, loc, TypeRange{coveredType}, ValueRange{dy, positions},
                 ValueRange{init}, ArrayRef<AffineMap>{windowMap, windowMap, id},
                 SmallVector<IteratorType>(4, kParallel),
                 [&](OpBuilder &nb, Location l, ValueRange args) {
                   auto idx = [&](int64_t d) {
                     return linalg::IndexOp::create(nb, l, d);
                   };
                   auto c = [&](int64_t v) {
                     return arith::ConstantIndexOp::create(nb, l, v);
                   };
                   Value row = arith::RemUIOp::create(nb, l, idx(1), c(kh));
                   Value col = arith::RemUIOp::create(nb, l, idx(2), c(kw));
                   Value here = arith::IndexCastOp::create(
                       nb, l, nb.getI32Type(),
                       arith::AddIOp::create(
                           nb, l, arith::MulIOp::create(nb, l, row, c(kw)),
                           col));
                   Value hit = arith::CmpIOp::create(
                       nb, l, arith::CmpIPredicate::eq, args[1], here);
                   linalg::YieldOp::create(
                       nb, l,
                       Value(arith::SelectOp::create(nb, l, hit, args[0],
                                                     f32(nb, l, 0))));
                 })
                 .getResult(0);
    }
    if (coveredType == inputType)
      return grad;
    Value zeros = createZeros(b, loc, inputType, dy);
    SmallVector<OpFoldResult> offsets(4, b.getIndexAttr(0)),
        strides(4, b.getIndexAttr(1));
    SmallVector<OpFoldResult> sizes = {
        tensor::getMixedSize(b, loc, grad, 0), b.getIndexAttr(coveredShape[1]),
        b.getIndexAttr(coveredShape[2]), b.getIndexAttr(coveredShape[3])};
    return tensor::InsertSliceOp::create(b, loc, grad, zeros, offsets, sizes,
                                         strides);
  }

  /// For every window, the row-major index (kh * KW + kw) of its first
  /// maximum (or minimum): [N, OH, OW, C] i32.
  static Value extremalPositions(OpBuilder &b, Location loc, Pool2DGradOp op,
                                 OpAdaptor adaptor, const WindowDim &height,
                                 const WindowDim &width) {
    MLIRContext *ctx = b.getContext();
    bool isMax = op.getKind() == PoolKind::Max;
    double identity = isMax ? -std::numeric_limits<double>::infinity()
                            : std::numeric_limits<double>::infinity();
    Value padded =
        padSpatial(b, loc, adaptor.getInput(), height, width, identity);
    auto gradType = cast<RankedTensorType>(adaptor.getOutputGrad().getType());
    auto indexType = RankedTensorType::get(gradType.getShape(), b.getI32Type());
    Value bestInit = createFilled(b, loc, gradType, adaptor.getOutputGrad(),
                                  f32(b, loc, identity));
    Value indexInit = createFilled(
        b, loc, indexType, adaptor.getOutputGrad(),
        arith::ConstantOp::create(b, loc, b.getI32IntegerAttr(-1)));
    ArrayRef<int64_t> s = op.getStrides();
    int64_t windowWidth = op.getWindow()[1];
    // loops: (n, oh, ow, c | kh, kw)
    AffineMap inputMap = AffineMap::get(
        6, 0,
        {dim(ctx, 0), dim(ctx, 1) * s[0] + dim(ctx, 4),
         dim(ctx, 2) * s[1] + dim(ctx, 5), dim(ctx, 3)},
        ctx);
    AffineMap outMap = AffineMap::get(
        6, 0, {dim(ctx, 0), dim(ctx, 1), dim(ctx, 2), dim(ctx, 3)}, ctx);
    // The window shape operand only fixes the extent of kh and kw.
    AffineMap windowMap =
        AffineMap::get(6, 0, {dim(ctx, 4), dim(ctx, 5)}, ctx);
    Value windowShape = tensor::EmptyOp::create(
        b, loc, op.getWindow(), b.getF32Type());
    SmallVector<IteratorType> iterators = {kParallel, kParallel,  kParallel,
                                           kParallel, kReduction, kReduction};
    auto generic = linalg::GenericOp::create(
        b, loc, TypeRange{gradType, indexType}, ValueRange{padded, windowShape},
        ValueRange{bestInit, indexInit},
        ArrayRef<AffineMap>{inputMap, windowMap, outMap, outMap}, iterators,
        [&](OpBuilder &nb, Location l, ValueRange args) {
          Value x = args[0], best = args[2], index = args[3];
          Value better = arith::CmpFOp::create(
              nb, l, isMax ? arith::CmpFPredicate::OGT
                           : arith::CmpFPredicate::OLT,
              x, best);
          Value kh = linalg::IndexOp::create(nb, l, 4);
          Value kw = linalg::IndexOp::create(nb, l, 5);
          Value flat = arith::AddIOp::create(
              nb, l,
              arith::MulIOp::create(
                  nb, l, kh,
                  arith::ConstantIndexOp::create(nb, l, windowWidth)),
              kw);
          Value flat32 = arith::IndexCastOp::create(nb, l, nb.getI32Type(),
                                                    flat);
          linalg::YieldOp::create(
              nb, l,
              ValueRange{arith::SelectOp::create(nb, l, better, x, best),
                         arith::SelectOp::create(nb, l, better, flat32,
                                                 index)});
        });
    return generic.getResult(1);
  }

  /// dxPadded[n, p, q, c] = sum over window offsets (jh, jw) of the spread
  /// gradient at (p + jh, q + jw) when that window's recorded position is
  /// the one covering (p, q): (KH - 1 - jh) * KW + (KW - 1 - jw).
  static Value routeToPositions(OpBuilder &b, Location loc, Value grad,
                                Value positions, RankedTensorType paddedType,
                                ArrayRef<int64_t> window, Value batchSource) {
    MLIRContext *ctx = b.getContext();
    AffineMap shifted = AffineMap::get(
        6, 0,
        {dim(ctx, 0), dim(ctx, 1) + dim(ctx, 4), dim(ctx, 2) + dim(ctx, 5),
         dim(ctx, 3)},
        ctx);
    AffineMap outMap = AffineMap::get(
        6, 0, {dim(ctx, 0), dim(ctx, 1), dim(ctx, 2), dim(ctx, 3)}, ctx);
    AffineMap windowMap =
        AffineMap::get(6, 0, {dim(ctx, 4), dim(ctx, 5)}, ctx);
    Value windowShape =
        tensor::EmptyOp::create(b, loc, window, b.getF32Type());
    Value init = createZeros(b, loc, paddedType, batchSource);
    SmallVector<IteratorType> iterators = {kParallel, kParallel,  kParallel,
                                           kParallel, kReduction, kReduction};
    int64_t kh = window[0], kw = window[1];
    return linalg::GenericOp::create(
               b, loc, TypeRange{paddedType},
               ValueRange{grad, positions, windowShape}, ValueRange{init},
               ArrayRef<AffineMap>{shifted, shifted, windowMap, outMap},
               iterators,
               [&](OpBuilder &nb, Location l, ValueRange args) {
                 Value jh = linalg::IndexOp::create(nb, l, 4);
                 Value jw = linalg::IndexOp::create(nb, l, 5);
                 auto c = [&](int64_t v) {
                   return arith::ConstantIndexOp::create(nb, l, v);
                 };
                 Value row = arith::SubIOp::create(nb, l, c(kh - 1), jh);
                 Value col = arith::SubIOp::create(nb, l, c(kw - 1), jw);
                 Value target = arith::AddIOp::create(
                     nb, l, arith::MulIOp::create(nb, l, row, c(kw)), col);
                 Value target32 = arith::IndexCastOp::create(
                     nb, l, nb.getI32Type(), target);
                 Value hit = arith::CmpIOp::create(
                     nb, l, arith::CmpIPredicate::eq, args[1], target32);
                 Value sum = arith::AddFOp::create(nb, l, args[3], args[0]);
                 linalg::YieldOp::create(
                     nb, l,
                     Value(arith::SelectOp::create(nb, l, hit, sum, args[3])));
               })
        .getResult(0);
  }
};

} // namespace

void cnnc::cnn::lowering::populateWindowGradientPatterns(
    RewritePatternSet &patterns) {
  patterns.add<Conv2DGradInputLowering, Conv2DGradFilterLowering,
               Pool2DGradLowering>(patterns.getContext());
}
