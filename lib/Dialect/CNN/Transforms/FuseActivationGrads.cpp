//===- FuseActivationGrads.cpp - reshapes below activation gradients ------===//
//
// cnn-fuse-activation-grads: `activation_grad(v, reshape(g))` becomes
// `reshape(activation_grad(reshape(v), g))`, so the activation's gradient is
// taken on the layout its incoming gradient was produced in. `v` is the
// activation's output or input (whichever its kind differentiates from);
// kind, alpha and approximate carry over.
//
//===----------------------------------------------------------------------===//

#include "cnnc/Dialect/CNN/IR/CNNOps.h"
#include "cnnc/Dialect/CNN/Transforms/Passes.h"

#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace cnnc::cnn {
#define GEN_PASS_DEF_CNNFUSEACTIVATIONGRADS
#include "cnnc/Dialect/CNN/Transforms/Passes.h.inc"
} // namespace cnnc::cnn

using namespace mlir;
using namespace cnnc::cnn;

namespace {

struct SinkReshape : OpRewritePattern<ActivationGradOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(ActivationGradOp op,
                                PatternRewriter &rewriter) const override {
    auto reshape = op.getOutputGrad().getDefiningOp<ReshapeOp>();
    if (!reshape)
      return failure();
    Location loc = op.getLoc();
    Value grad = reshape.getInput();
    Value value =
        ReshapeOp::create(rewriter, loc, grad.getType(), op.getValue());
    Value inputGrad = ActivationGradOp::create(
        rewriter, loc, value, grad, op.getActivationAttr(), op.getAlphaAttr(),
        op.getApproximateAttr());
    rewriter.replaceOpWithNewOp<ReshapeOp>(op, op.getType(), inputGrad);
    return success();
  }
};

struct FuseActivationGradsPass
    : cnnc::cnn::impl::CNNFuseActivationGradsBase<FuseActivationGradsPass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<SinkReshape>(&getContext());
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};

} // namespace
