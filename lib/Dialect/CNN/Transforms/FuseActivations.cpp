//===- FuseActivations.cpp - standalone activations into their layer ------===//

#include "cnnc/Dialect/CNN/IR/CNNOps.h"
#include "cnnc/Dialect/CNN/Transforms/Passes.h"

#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace cnnc::cnn {
#define GEN_PASS_DEF_CNNFUSEACTIVATIONS
#include "cnnc/Dialect/CNN/Transforms/Passes.h.inc"
} // namespace cnnc::cnn

using namespace mlir;
using namespace cnnc::cnn;

namespace {

/// `UnaryOp(layer(x))` -> `layer(x) activation = kActivation` for a layer
/// with a fused activation (FusedActivationOpInterface) that has none yet
/// and whose only use is the activation.
template <typename UnaryOp>
struct FoldIntoLayer : OpRewritePattern<UnaryOp> {
  using OpRewritePattern<UnaryOp>::OpRewritePattern;

  LogicalResult matchAndRewrite(UnaryOp op,
                                PatternRewriter &rewriter) const override {
    auto layer =
        op->getOperand(0).template getDefiningOp<FusedActivationOpInterface>();
    if (!layer || !layer->getResult(0).hasOneUse() ||
        layer.getActivation() != Activation::None)
      return failure();
    rewriter.modifyOpInPlace(layer,
                             [&] { layer.setActivation(UnaryOp::kActivation); });
    rewriter.replaceOp(op, layer->getResult(0));
    return success();
  }
};

struct FuseActivationsPass
    : cnnc::cnn::impl::CNNFuseActivationsBase<FuseActivationsPass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<FoldIntoLayer<ReluOp>, FoldIntoLayer<SigmoidOp>,
                 FoldIntoLayer<TanhOp>>(&getContext());
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};

} // namespace
