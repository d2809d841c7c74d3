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

/// `UnaryOp(layer(x))` -> `layer(x) activation = kActivation` for a conv2d or
/// dense without activation whose only use is the activation.
template <typename UnaryOp, Activation kActivation>
struct FoldIntoLayer : OpRewritePattern<UnaryOp> {
  using OpRewritePattern<UnaryOp>::OpRewritePattern;

  LogicalResult matchAndRewrite(UnaryOp op,
                                PatternRewriter &rewriter) const override {
    Operation *layer = op->getOperand(0).getDefiningOp();
    if (!layer || !isa<Conv2DOp, DenseOp>(layer) ||
        !layer->getResult(0).hasOneUse())
      return failure();
    auto current = layer->getAttrOfType<ActivationAttr>("activation");
    if (current && current.getValue() != Activation::None)
      return failure();
    rewriter.modifyOpInPlace(layer, [&] {
      layer->setAttr("activation",
                     ActivationAttr::get(rewriter.getContext(), kActivation));
    });
    rewriter.replaceOp(op, layer->getResult(0));
    return success();
  }
};

struct FuseActivationsPass
    : cnnc::cnn::impl::CNNFuseActivationsBase<FuseActivationsPass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<FoldIntoLayer<ReluOp, Activation::Relu>,
                 FoldIntoLayer<SigmoidOp, Activation::Sigmoid>,
                 FoldIntoLayer<TanhOp, Activation::Tanh>>(&getContext());
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};

} // namespace
