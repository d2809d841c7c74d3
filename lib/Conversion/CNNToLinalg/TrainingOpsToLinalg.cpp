//===- TrainingOpsToLinalg.cpp - lower gradient, loss, optimizer ops ------===//
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
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

#include <limits>

using namespace mlir;
using namespace cnnc::cnn;
using namespace cnnc::cnn::lowering;

namespace {

using utils::IteratorType;
constexpr IteratorType kParallel = IteratorType::parallel;
constexpr IteratorType kReduction = IteratorType::reduction;

AffineExpr dim(MLIRContext *ctx, unsigned i) { return getAffineDimExpr(i, ctx); }

Value createFilled(OpBuilder &b, Location loc, RankedTensorType type,
                   Value like, Value fill) {
  Value empty = createEmptyLike(b, loc, type, like);
  return linalg::FillOp::create(b, loc, ValueRange{fill}, ValueRange{empty})
      .getResult(0);
}

Value createZeros(OpBuilder &b, Location loc, RankedTensorType type,
                  Value like) {
  Attribute zero = b.getZeroAttr(type.getElementType());
  return createFilled(b, loc, type, like,
                      arith::ConstantOp::create(b, loc, cast<TypedAttr>(zero)));
}

/// Spreads an NHWC tensor out by the strides (stride - 1 `fill` values
/// between neighbours): position i moves to i * stride.
Value dilateSpatial(OpBuilder &b, Location loc, Value value, int64_t strideH,
                    int64_t strideW, Value fill) {
  if (strideH == 1 && strideW == 1)
    return value;
  auto type = cast<RankedTensorType>(value.getType());
  SmallVector<int64_t> shape(type.getShape());
  shape[1] = (shape[1] - 1) * strideH + 1;
  shape[2] = (shape[2] - 1) * strideW + 1;
  auto dilatedType = RankedTensorType::get(shape, type.getElementType());
  Value dilated = createFilled(b, loc, dilatedType, value, fill);
  SmallVector<OpFoldResult> offsets(4, b.getIndexAttr(0));
  SmallVector<OpFoldResult> sizes = tensor::getMixedSizes(b, loc, value);
  SmallVector<OpFoldResult> strides = {b.getIndexAttr(1),
                                       b.getIndexAttr(strideH),
                                       b.getIndexAttr(strideW),
                                       b.getIndexAttr(1)};
  return tensor::InsertSliceOp::create(b, loc, value, dilated, offsets, sizes,
                                       strides);
}

/// Pads H and W with explicit amounts.
Value padHW(OpBuilder &b, Location loc, Value value, int64_t lowH,
            int64_t highH, int64_t lowW, int64_t highW, Value fill) {
  auto type = cast<RankedTensorType>(value.getType());
  SmallVector<int64_t> shape(type.getShape());
  shape[1] += lowH + highH;
  shape[2] += lowW + highW;
  SmallVector<OpFoldResult> low = {b.getIndexAttr(0), b.getIndexAttr(lowH),
                                   b.getIndexAttr(lowW), b.getIndexAttr(0)};
  SmallVector<OpFoldResult> high = {b.getIndexAttr(0), b.getIndexAttr(highH),
                                    b.getIndexAttr(highW), b.getIndexAttr(0)};
  return tensor::PadOp::create(
      b, loc, RankedTensorType::get(shape, type.getElementType()), value, low,
      high, fill);
}

/// The [N, IH, IW, C] window of a padded [N, IH + pads, ...] tensor.
Value unpadHW(OpBuilder &b, Location loc, Value padded, RankedTensorType type,
              const WindowDim &height, const WindowDim &width) {
  SmallVector<OpFoldResult> offsets = {b.getIndexAttr(0),
                                       b.getIndexAttr(height.padBefore),
                                       b.getIndexAttr(width.padBefore),
                                       b.getIndexAttr(0)};
  SmallVector<OpFoldResult> sizes = tensor::getMixedSizes(b, loc, padded);
  sizes[1] = b.getIndexAttr(type.getDimSize(1));
  sizes[2] = b.getIndexAttr(type.getDimSize(2));
  SmallVector<OpFoldResult> strides(4, b.getIndexAttr(1));
  return tensor::ExtractSliceOp::create(b, loc, type, padded, offsets, sizes,
                                        strides);
}

Value f32(OpBuilder &b, Location loc, double v) {
  return createF32Constant(b, loc, v);
}

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
    auto spread = [&](Value value, Value fill) {
      Value dilated =
          dilateSpatial(b, loc, value, strides[0], strides[1], fill);
      return padHW(b, loc, dilated, window[0] - 1, high(height),
                   window[1] - 1, high(width), fill);
    };
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

//===----------------------------------------------------------------------===//
// Element-wise gradients, reductions, matmul, reshape
//===----------------------------------------------------------------------===//

struct ActivationGradLowering : OpConversionPattern<ActivationGradOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(ActivationGradOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &b) const override {
    Location loc = op.getLoc();
    Activation activation = op.getActivation();
    Value init = createEmptyLike(b, loc, op.getType(), adaptor.getOutput());
    b.replaceOp(op, createElementwise(
                        b, loc,
                        ValueRange{adaptor.getOutput(), adaptor.getOutputGrad()},
                        init, [&](OpBuilder &nb, Location l, ValueRange args) {
                          Value y = args[0], dy = args[1];
                          Value one = f32(nb, l, 1);
                          switch (activation) {
                          case Activation::None:
                            return dy;
                          case Activation::Relu: {
                            Value positive = arith::CmpFOp::create(
                                nb, l, arith::CmpFPredicate::OGT, y,
                                f32(nb, l, 0));
                            return Value(arith::SelectOp::create(
                                nb, l, positive, dy, f32(nb, l, 0)));
                          }
                          case Activation::Sigmoid: {
                            Value slope = arith::MulFOp::create(
                                nb, l, y, arith::SubFOp::create(nb, l, one, y));
                            return Value(arith::MulFOp::create(nb, l, dy, slope));
                          }
                          case Activation::Tanh: {
                            Value slope = arith::SubFOp::create(
                                nb, l, one, arith::MulFOp::create(nb, l, y, y));
                            return Value(arith::MulFOp::create(nb, l, dy, slope));
                          }
                          }
                          llvm_unreachable("unknown activation");
                        }));
    return success();
  }
};

/// Map of a rank-`rank` iteration space onto its leading `rank - 1` dims.
AffineMap dropLastDim(MLIRContext *ctx, int64_t rank) {
  SmallVector<AffineExpr> exprs;
  for (int64_t i = 0; i + 1 < rank; ++i)
    exprs.push_back(dim(ctx, i));
  return AffineMap::get(rank, 0, exprs, ctx);
}

struct SoftmaxGradLowering : OpConversionPattern<SoftmaxGradOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(SoftmaxGradOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &b) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = b.getContext();
    RankedTensorType type = op.getType();
    int64_t rank = type.getRank();
    Value y = adaptor.getOutput(), dy = adaptor.getOutputGrad();
    // dot = sum_j dy_j y_j ; dx = y (dy - dot)
    auto rowType = RankedTensorType::get(type.getShape().drop_back(),
                                         b.getF32Type());
    Value rowInit = createZeros(b, loc, rowType, y);
    AffineMap id = b.getMultiDimIdentityMap(rank);
    AffineMap row = dropLastDim(ctx, rank);
    SmallVector<IteratorType> reduceLast(rank, kParallel);
    reduceLast.back() = kReduction;
    Value dot = linalg::GenericOp::create(
                    b, loc, TypeRange{rowType}, ValueRange{y, dy},
                    ValueRange{rowInit}, ArrayRef<AffineMap>{id, id, row},
                    reduceLast,
                    [](OpBuilder &nb, Location l, ValueRange args) {
                      Value p = arith::MulFOp::create(nb, l, args[0], args[1]);
                      linalg::YieldOp::create(
                          nb, l,
                          Value(arith::AddFOp::create(nb, l, args[2], p)));
                    })
                    .getResult(0);
    Value init = createEmptyLike(b, loc, type, y);
    b.replaceOp(op,
                linalg::GenericOp::create(
                    b, loc, TypeRange{type}, ValueRange{y, dy, dot},
                    ValueRange{init}, ArrayRef<AffineMap>{id, id, row, id},
                    SmallVector<IteratorType>(rank, kParallel),
                    [](OpBuilder &nb, Location l, ValueRange args) {
                      Value diff = arith::SubFOp::create(nb, l, args[1], args[2]);
                      linalg::YieldOp::create(
                          nb, l,
                          Value(arith::MulFOp::create(nb, l, args[0], diff)));
                    })
                    .getResult(0));
    return success();
  }
};

struct ReduceToChannelsLowering : OpConversionPattern<ReduceToChannelsOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(ReduceToChannelsOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &b) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = b.getContext();
    auto inputType = cast<RankedTensorType>(adaptor.getInput().getType());
    int64_t rank = inputType.getRank();
    SmallVector<IteratorType> iterators(rank, kReduction);
    iterators.back() = kParallel;
    Value init = createZeros(b, loc, op.getType(), adaptor.getInput());
    AffineMap last = AffineMap::get(rank, 0, {dim(ctx, rank - 1)}, ctx);
    b.replaceOp(op, linalg::GenericOp::create(
                        b, loc, TypeRange{op.getType()},
                        ValueRange{adaptor.getInput()}, ValueRange{init},
                        ArrayRef<AffineMap>{b.getMultiDimIdentityMap(rank),
                                            last},
                        iterators,
                        [](OpBuilder &nb, Location l, ValueRange args) {
                          linalg::YieldOp::create(
                              nb, l,
                              Value(arith::AddFOp::create(nb, l, args[1],
                                                          args[0])));
                        })
                        .getResult(0));
    return success();
  }
};

struct MatmulLowering : OpConversionPattern<MatmulOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(MatmulOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &b) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = b.getContext();
    RankedTensorType type = op.getType();
    Value lhs = adaptor.getLhs(), rhs = adaptor.getRhs();
    // Dynamic result sizes come from the operand dimension they mirror.
    SmallVector<Value> dynamicSizes;
    if (type.isDynamicDim(0))
      dynamicSizes.push_back(
          tensor::DimOp::create(b, loc, lhs, op.getTransposeLhs() ? 1 : 0));
    if (type.isDynamicDim(1))
      dynamicSizes.push_back(
          tensor::DimOp::create(b, loc, rhs, op.getTransposeRhs() ? 0 : 1));
    Value empty = tensor::EmptyOp::create(b, loc, type.getShape(),
                                          b.getF32Type(), dynamicSizes);
    Value init =
        linalg::FillOp::create(b, loc, ValueRange{f32(b, loc, 0)},
                               ValueRange{empty})
            .getResult(0);
    // loops: (i, j | k)
    AffineExpr i = dim(ctx, 0), j = dim(ctx, 1), k = dim(ctx, 2);
    auto map = [&](AffineExpr a, AffineExpr c) {
      return AffineMap::get(3, 0, {a, c}, ctx);
    };
    AffineMap lhsMap = op.getTransposeLhs() ? map(k, i) : map(i, k);
    AffineMap rhsMap = op.getTransposeRhs() ? map(j, k) : map(k, j);
    b.replaceOp(op, linalg::GenericOp::create(
                        b, loc, TypeRange{type}, ValueRange{lhs, rhs},
                        ValueRange{init},
                        ArrayRef<AffineMap>{lhsMap, rhsMap, map(i, j)},
                        {kParallel, kParallel, kReduction},
                        [](OpBuilder &nb, Location l, ValueRange args) {
                          Value p = arith::MulFOp::create(nb, l, args[0],
                                                          args[1]);
                          linalg::YieldOp::create(
                              nb, l,
                              Value(arith::AddFOp::create(nb, l, args[2], p)));
                        })
                        .getResult(0));
    return success();
  }
};

struct ReshapeLowering : OpConversionPattern<ReshapeOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(ReshapeOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &b) const override {
    Location loc = op.getLoc();
    Value value = adaptor.getInput();
    auto inputType = cast<RankedTensorType>(value.getType());
    RankedTensorType resultType = op.getType();
    // Through [batch, features]: collapse, then expand.
    if (inputType.getRank() > 2) {
      SmallVector<ReassociationIndices> groups = {
          {0}, llvm::to_vector(llvm::seq<int64_t>(1, inputType.getRank()))};
      value = tensor::CollapseShapeOp::create(b, loc, value, groups);
    }
    if (resultType.getRank() > 2) {
      SmallVector<ReassociationIndices> groups = {
          {0}, llvm::to_vector(llvm::seq<int64_t>(1, resultType.getRank()))};
      SmallVector<OpFoldResult> shape = {
          tensor::getMixedSize(b, loc, value, 0)};
      for (int64_t d : resultType.getShape().drop_front())
        shape.push_back(b.getIndexAttr(d));
      value = tensor::ExpandShapeOp::create(b, loc, resultType, value, groups,
                                            shape);
    }
    b.replaceOp(op, value);
    return success();
  }
};

} // namespace

void cnnc::cnn::lowering::populateTrainingOpsToLinalgPatterns(
    RewritePatternSet &patterns) {
  patterns.add<Conv2DGradInputLowering, Conv2DGradFilterLowering,
               Pool2DGradLowering, ActivationGradLowering, SoftmaxGradLowering,
               ReduceToChannelsLowering, MatmulLowering, ReshapeLowering>(
      patterns.getContext());
  populateLossAndOptimizerPatterns(patterns);
}
