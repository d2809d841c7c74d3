//===- FuseActivationGrads.cpp - reshapes below activation gradients ------===//

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
    Value output =
        ReshapeOp::create(rewriter, loc, grad.getType(), op.getOutput());
    Value inputGrad = ActivationGradOp::create(rewriter, loc, output, grad,
                                               op.getActivationAttr());
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
