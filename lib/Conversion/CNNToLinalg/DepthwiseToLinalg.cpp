//===- DepthwiseToLinalg.cpp - lower depthwise convolution to linalg ------===//
//
// cnn.depthwise_conv2d becomes linalg.depthwise_conv_2d_nhwc_hwc (depth
// multiplier 1) or linalg.depthwise_conv_2d_nhwc_hwcm whose [C, M] output
// channels are collapsed to Keras's c * M + m, on the zero-padded input,
// accumulating into the broadcast bias. The gradients follow
// WindowGradientsToLinalg.cpp: the input gradient is a stride-1 depthwise
// convolution of the dilated, padded output gradient with the spatially
// flipped kernel over the C * M channels, whose M channels per input channel
// are then summed; the kernel gradient is one linalg.generic reducing over
// the batch and the output positions, with the flat output channel j read
// from input channel j floordiv M.
//
//===----------------------------------------------------------------------===//

#include "LoweringUtils.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

using namespace mlir;
using namespace cnnc::cnn;
using namespace cnnc::cnn::lowering;

namespace {

/// The [KH, KW, C * M] view of a [KH, KW, C, M] kernel (row-major, so flat
/// channel c * M + m).
Value collapseKernel(OpBuilder &b, Location loc, Value kernel) {
  SmallVector<ReassociationIndices> groups = {{0}, {1}, {2, 3}};
  return tensor::CollapseShapeOp::create(b, loc, kernel, groups);
}

/// The [N, H, W, C, M] view of an [N, H, W, C * M] tensor.
Value splitChannels(OpBuilder &b, Location loc, Value value,
                    int64_t multiplier) {
  auto type = cast<RankedTensorType>(value.getType());
  SmallVector<int64_t> shape(type.getShape());
  shape.back() /= multiplier;
  shape.push_back(multiplier);
  SmallVector<ReassociationIndices> groups = {{0}, {1}, {2}, {3, 4}};
  return tensor::ExpandShapeOp::create(
      b, loc, RankedTensorType::get(shape, type.getElementType()), value,
      groups);
}

/// A multiply-accumulate body: `out + lhs * rhs`.
void multiplyAccumulate(OpBuilder &b, Location loc, ValueRange args) {
  Value product = arith::MulFOp::create(b, loc, args[0], args[1]);
  linalg::YieldOp::create(
      b, loc, Value(arith::AddFOp::create(b, loc, args[2], product)));
}

struct DepthwiseConv2DLowering : OpConversionPattern<DepthwiseConv2DOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult matchAndRewrite(DepthwiseConv2DOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &b) const override {
    Location loc = op.getLoc();
    auto inputType = cast<RankedTensorType>(adaptor.getInput().getType());
    auto kernelType =
        cast<RankedTensorType>(adaptor.getDepthwiseKernel().getType());
    SmallVector<int64_t, 2> strides = op.getEffectiveStrides();
    SmallVector<int64_t, 2> dilations = op.getEffectiveDilations();
    auto [height, width] =
        computeGeometry(inputType, kernelType.getShape().take_front(2), strides,
                        dilations, op.getPadding());
    Value input = padSpatial(b, loc, adaptor.getInput(), height, width,
                             /*padValue=*/0.0);
    RankedTensorType resultType = op.getType();
    Value accumulator = createAccumulator(b, loc, resultType, adaptor.getBias(),
                                          adaptor.getInput());
    auto stridesAttr = getPairAttr(b, strides[0], strides[1]);
    auto dilationsAttr = getPairAttr(b, dilations[0], dilations[1]);
    int64_t multiplier = op.getDepthMultiplier();
    Value conv;
    if (multiplier == 1) {
      conv =
          linalg::DepthwiseConv2DNhwcHwcOp::create(
              b, loc, TypeRange{resultType},
              ValueRange{input,
                         collapseKernel(b, loc, adaptor.getDepthwiseKernel())},
              ValueRange{accumulator}, stridesAttr, dilationsAttr)
              .getResult(0);
    } else {
      Value split = splitChannels(b, loc, accumulator, multiplier);
      Value conv5 = linalg::DepthwiseConv2DNhwcHwcmOp::create(
                        b, loc, TypeRange{split.getType()},
                        ValueRange{input, adaptor.getDepthwiseKernel()},
                        ValueRange{split}, stridesAttr, dilationsAttr)
                        .getResult(0);
      SmallVector<ReassociationIndices> groups = {{0}, {1}, {2}, {3, 4}};
      conv = tensor::CollapseShapeOp::create(b, loc, resultType, conv5, groups);
    }
    b.replaceOp(op, createActivation(b, loc, op.getActivation(), conv));
    return success();
  }
};

struct DepthwiseConv2DGradInputLowering
    : OpConversionPattern<DepthwiseConv2DGradInputOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult matchAndRewrite(DepthwiseConv2DGradInputOp op,
                                OpAdaptor adaptor,
                                ConversionPatternRewriter &b) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = b.getContext();
    RankedTensorType inputType = op.getType();
    auto kernelType = cast<RankedTensorType>(op.getDepthwiseKernel().getType());
    ArrayRef<int64_t> strides = op.getStrides(), dilations = op.getDilations();
    auto [height, width] =
        computeGeometry(inputType, kernelType.getShape().take_front(2), strides,
                        dilations, op.getPadding());

    // dx[i] = sum_k dyDilated[i + padBefore - k * d] * w[k]: a stride-1
    // depthwise convolution of the padded, dilated gradient with the flipped
    // kernel (as Conv2DGradInputLowering).
    Value zero = f32(b, loc, 0);
    Value dilated = dilateSpatial(b, loc, adaptor.getOutputGrad(), strides[0],
                                  strides[1], zero);
    auto low = [](const WindowDim &d) {
      return (d.window - 1) * d.dilation - d.padBefore;
    };
    auto high = [](const WindowDim &d) {
      return d.input + d.padBefore - (d.output - 1) * d.stride - 1;
    };
    Value padded = padHW(b, loc, dilated, low(height), high(height), low(width),
                         high(width), zero);

    int64_t kh = kernelType.getDimSize(0), kw = kernelType.getDimSize(1);
    int64_t channels = kernelType.getDimSize(2);
    int64_t multiplier = kernelType.getDimSize(3);
    Value flat = collapseKernel(b, loc, adaptor.getDepthwiseKernel());
    auto flatType = cast<RankedTensorType>(flat.getType());
    AffineMap flip = AffineMap::get(
        3, 0,
        {getAffineConstantExpr(kh - 1, ctx) - dim(ctx, 0),
         getAffineConstantExpr(kw - 1, ctx) - dim(ctx, 1), dim(ctx, 2)},
        ctx);
    Value flipped = linalg::GenericOp::create(
                        b, loc, TypeRange{flatType}, ValueRange{flat},
                        ValueRange{tensor::EmptyOp::create(
                            b, loc, flatType.getShape(), b.getF32Type())},
                        ArrayRef<AffineMap>{flip, b.getMultiDimIdentityMap(3)},
                        SmallVector<IteratorType>(3, kParallel),
                        [](OpBuilder &nb, Location l, ValueRange args) {
                          linalg::YieldOp::create(nb, l, args[0]);
                        })
                        .getResult(0);

    // Every one of the C * M channels convolved on its own...
    SmallVector<int64_t> perChannelShape(inputType.getShape());
    perChannelShape[3] = channels * multiplier;
    auto perChannelType =
        RankedTensorType::get(perChannelShape, b.getF32Type());
    Value init = createZeros(b, loc, perChannelType, adaptor.getOutputGrad());
    Value perChannel =
        linalg::DepthwiseConv2DNhwcHwcOp::create(
            b, loc, TypeRange{perChannelType}, ValueRange{padded, flipped},
            ValueRange{init}, getPairAttr(b, 1, 1),
            getPairAttr(b, dilations[0], dilations[1]))
            .getResult(0);
    if (multiplier == 1) {
      b.replaceOp(op, perChannel);
      return success();
    }
    // ... then the M channels of every input channel summed.
    AffineMap inMap = b.getMultiDimIdentityMap(5);
    AffineMap outMap = AffineMap::get(
        5, 0, {dim(ctx, 0), dim(ctx, 1), dim(ctx, 2), dim(ctx, 3)}, ctx);
    Value sum =
        linalg::GenericOp::create(
            b, loc, TypeRange{inputType},
            ValueRange{splitChannels(b, loc, perChannel, multiplier)},
            ValueRange{createZeros(b, loc, inputType, adaptor.getOutputGrad())},
            ArrayRef<AffineMap>{inMap, outMap},
            SmallVector<IteratorType>{kParallel, kParallel, kParallel,
                                      kParallel, kReduction},
            [](OpBuilder &nb, Location l, ValueRange args) {
              linalg::YieldOp::create(
                  nb, l, Value(arith::AddFOp::create(nb, l, args[1], args[0])));
            })
            .getResult(0);
    b.replaceOp(op, sum);
    return success();
  }
};

struct DepthwiseConv2DGradFilterLowering
    : OpConversionPattern<DepthwiseConv2DGradFilterOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult matchAndRewrite(DepthwiseConv2DGradFilterOp op,
                                OpAdaptor adaptor,
                                ConversionPatternRewriter &b) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = b.getContext();
    RankedTensorType kernelType = op.getType();
    auto inputType = cast<RankedTensorType>(op.getInput().getType());
    ArrayRef<int64_t> s = op.getStrides(), d = op.getDilations();
    auto [height, width] = computeGeometry(
        inputType, kernelType.getShape().take_front(2), s, d, op.getPadding());
    Value padded = padSpatial(b, loc, adaptor.getInput(), height, width, 0.0);
    int64_t multiplier = kernelType.getDimSize(3);
    // dw[kh, kw, j] = sum_{n, oh, ow} x[n, oh*s + kh*d, ow*s + kw*d, j / M]
    //                                 * dy[n, oh, ow, j]   (j = c * M + m)
    // loops: (kh, kw, j | n, oh, ow)
    AffineMap inputMap =
        AffineMap::get(6, 0,
                       {dim(ctx, 3), dim(ctx, 4) * s[0] + dim(ctx, 0) * d[0],
                        dim(ctx, 5) * s[1] + dim(ctx, 1) * d[1],
                        dim(ctx, 2).floorDiv(multiplier)},
                       ctx);
    AffineMap gradMap = AffineMap::get(
        6, 0, {dim(ctx, 3), dim(ctx, 4), dim(ctx, 5), dim(ctx, 2)}, ctx);
    AffineMap outMap =
        AffineMap::get(6, 0, {dim(ctx, 0), dim(ctx, 1), dim(ctx, 2)}, ctx);
    auto flatType = RankedTensorType::get(
        {kernelType.getDimSize(0), kernelType.getDimSize(1),
         kernelType.getDimSize(2) * multiplier},
        b.getF32Type());
    Value init = createZeros(b, loc, flatType, adaptor.getInput());
    Value flat =
        linalg::GenericOp::create(
            b, loc, TypeRange{flatType},
            ValueRange{padded, adaptor.getOutputGrad()}, ValueRange{init},
            ArrayRef<AffineMap>{inputMap, gradMap, outMap},
            SmallVector<IteratorType>{kParallel, kParallel, kParallel,
                                      kReduction, kReduction, kReduction},
            multiplyAccumulate)
            .getResult(0);
    SmallVector<ReassociationIndices> groups = {{0}, {1}, {2, 3}};
    b.replaceOpWithNewOp<tensor::ExpandShapeOp>(op, kernelType, flat, groups);
    return success();
  }
};

} // namespace

void cnnc::cnn::lowering::populateDepthwisePatterns(
    RewritePatternSet &patterns) {
  patterns.add<DepthwiseConv2DLowering, DepthwiseConv2DGradInputLowering,
               DepthwiseConv2DGradFilterLowering>(patterns.getContext());
}
