//===- CNNToLinalg.cpp - lower cnn layer ops to linalg on tensors ---------===//
//
// One conversion pattern per cnn op. Padding and pooling geometry come from
// WindowGeometry, the same code that infers the result types, so the
// lowering and the verifier cannot disagree about shapes.
//
//===----------------------------------------------------------------------===//

#include "LoweringUtils.h"
#include "cnnc/Conversion/Passes.h"
#include "cnnc/Dialect/CNN/IR/CNNOps.h"
#include "cnnc/Dialect/CNN/IR/WindowGeometry.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Transforms/DialectConversion.h"

#include <limits>

namespace cnnc {
#define GEN_PASS_DEF_CONVERTCNNTOLINALG
#include "cnnc/Conversion/Passes.h.inc"
} // namespace cnnc

using namespace mlir;
using namespace cnnc;
using namespace cnnc::cnn;

using namespace cnnc::cnn::lowering;

namespace {

//===----------------------------------------------------------------------===//
// Patterns
//===----------------------------------------------------------------------===//

struct Conv2DLowering : OpConversionPattern<Conv2DOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(Conv2DOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto inputType = cast<RankedTensorType>(adaptor.getInput().getType());
    auto filterType = cast<RankedTensorType>(adaptor.getFilter().getType());
    SmallVector<int64_t, 2> strides = op.getEffectiveStrides();
    SmallVector<int64_t, 2> dilations = op.getEffectiveDilations();
    auto [height, width] = computeGeometry(
        inputType, filterType.getShape().take_front(2), strides, dilations,
        op.getPadding());

    Value input = padSpatial(rewriter, loc, adaptor.getInput(), height, width,
                             /*padValue=*/0.0);
    RankedTensorType resultType = op.getType();
    Value accumulator = createAccumulator(rewriter, loc, resultType,
                                          adaptor.getBias(), adaptor.getInput());
    Value conv =
        linalg::Conv2DNhwcHwcfOp::create(
            rewriter, loc, TypeRange{resultType},
            ValueRange{input, adaptor.getFilter()}, ValueRange{accumulator},
            getPairAttr(rewriter, strides[0], strides[1]),
            getPairAttr(rewriter, dilations[0], dilations[1]))
            .getResult(0);
    rewriter.replaceOp(
        op, createActivation(rewriter, loc, op.getActivation(), conv));
    return success();
  }
};

/// Max, min and average pooling share the padding and windowing; they differ
/// in the reduction, its identity and the final division.
template <typename PoolOp, typename LinalgPoolOp>
struct Pool2DLowering : OpConversionPattern<PoolOp> {
  using OpConversionPattern<PoolOp>::OpConversionPattern;
  using OpAdaptor = typename PoolOp::Adaptor;

  /// The value padding and the accumulator start from.
  static double reductionIdentity() {
    if constexpr (std::is_same_v<PoolOp, MaxPool2DOp>)
      return -std::numeric_limits<double>::infinity();
    if constexpr (std::is_same_v<PoolOp, MinPool2DOp>)
      return std::numeric_limits<double>::infinity();
    return 0.0;
  }

  LogicalResult
  matchAndRewrite(PoolOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto inputType = cast<RankedTensorType>(adaptor.getInput().getType());
    SmallVector<int64_t, 2> window(op.getWindow());
    SmallVector<int64_t, 2> strides = op.getEffectiveStrides();
    auto [height, width] = computeGeometry(inputType, window, strides, {1, 1},
                                           op.getPadding());

    double identity = reductionIdentity();
    Value input =
        padSpatial(rewriter, loc, adaptor.getInput(), height, width, identity);
    RankedTensorType resultType = op.getType();
    Value init = createEmptyLike(rewriter, loc, resultType, adaptor.getInput());
    init = linalg::FillOp::create(rewriter, loc,
                                  ValueRange{createF32Constant(rewriter, loc,
                                                               identity)},
                                  ValueRange{init})
               .getResult(0);
    Value windowShape = tensor::EmptyOp::create(
        rewriter, loc, ArrayRef<int64_t>(window), rewriter.getF32Type());
    Value pooled =
        LinalgPoolOp::create(rewriter, loc, TypeRange{resultType},
                             ValueRange{input, windowShape}, ValueRange{init},
                             getPairAttr(rewriter, strides[0], strides[1]),
                             getPairAttr(rewriter, 1, 1))
            .getResult(0);
    if constexpr (std::is_same_v<PoolOp, AvgPool2DOp>)
      pooled = scaleByWindowReciprocals(rewriter, loc, pooled, height, width);
    rewriter.replaceOp(op, pooled);
    return success();
  }

};

struct DenseLowering : OpConversionPattern<DenseOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(DenseOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    RankedTensorType resultType = op.getType();
    Value accumulator = createAccumulator(rewriter, loc, resultType,
                                          adaptor.getBias(), adaptor.getInput());
    Value product =
        linalg::MatmulOp::create(rewriter, loc, TypeRange{resultType},
                                 ValueRange{adaptor.getInput(),
                                            adaptor.getKernel()},
                                 ValueRange{accumulator})
            .getResult(0);
    rewriter.replaceOp(
        op, createActivation(rewriter, loc, op.getActivation(), product));
    return success();
  }
};

struct FlattenLowering : OpConversionPattern<FlattenOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(FlattenOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    auto inputType = cast<RankedTensorType>(adaptor.getInput().getType());
    SmallVector<ReassociationIndices> groups = {
        {0}, llvm::to_vector(llvm::seq<int64_t>(1, inputType.getRank()))};
    rewriter.replaceOpWithNewOp<tensor::CollapseShapeOp>(
        op, op.getType(), adaptor.getInput(), groups);
    return success();
  }
};

struct AddLowering : OpConversionPattern<AddOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(AddOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto type = cast<RankedTensorType>(op.getType());
    Value init = createEmptyLike(rewriter, loc, type, adaptor.getLhs());
    rewriter.replaceOp(
        op, createElementwise(rewriter, loc,
                              ValueRange{adaptor.getLhs(), adaptor.getRhs()},
                              init,
                              [](OpBuilder &b, Location l, ValueRange args) {
                                return arith::AddFOp::create(b, l, args[0],
                                                             args[1]);
                              }));
    return success();
  }
};

/// Uses linalg.softmax's own decomposition (max, exp, sum, divide).
struct SoftmaxLowering : OpConversionPattern<SoftmaxOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(SoftmaxOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto type = cast<RankedTensorType>(op.getType());
    Value init = createEmptyLike(rewriter, loc, type, adaptor.getInput());
    auto softmax = linalg::SoftmaxOp::create(
        rewriter, loc, TypeRange{type}, adaptor.getInput(), init,
        uint64_t(type.getRank() - 1));
    FailureOr<SmallVector<Value>> decomposed =
        softmax.decomposeOperation(rewriter);
    if (failed(decomposed))
      return rewriter.notifyMatchFailure(op, "cannot decompose softmax");
    rewriter.eraseOp(softmax);
    rewriter.replaceOp(op, *decomposed);
    return success();
  }
};

struct ConvertCNNToLinalgPass
    : cnnc::impl::ConvertCNNToLinalgBase<ConvertCNNToLinalgPass> {
  void runOnOperation() override {
    MLIRContext *ctx = &getContext();
    ConversionTarget target(*ctx);
    target.addLegalDialect<arith::ArithDialect, linalg::LinalgDialect,
                           math::MathDialect, tensor::TensorDialect>();
    target.addIllegalDialect<CNNDialect>();
    target.addLegalOp<ParamOp>();

    RewritePatternSet patterns(ctx);
    patterns.add<Conv2DLowering, DenseLowering, FlattenLowering, AddLowering,
                 SoftmaxLowering,
                 Pool2DLowering<MaxPool2DOp, linalg::PoolingNhwcMaxOp>,
                 Pool2DLowering<AvgPool2DOp, linalg::PoolingNhwcSumOp>,
                 Pool2DLowering<MinPool2DOp, linalg::PoolingNhwcMinOp>>(ctx);
    populateTrainingOpsToLinalgPatterns(patterns);
    populateActivationsPatterns(patterns);
    populateDepthwisePatterns(patterns);
    populateNormalizationPatterns(patterns);
    populateReshapingPatterns(patterns);
    populatePreprocessingPatterns(patterns);
    if (failed(applyPartialConversion(getOperation(), target,
                                      std::move(patterns))))
      signalPassFailure();
  }
};

} // namespace
