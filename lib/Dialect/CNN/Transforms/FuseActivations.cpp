//===- FuseActivations.cpp - standalone activations into their layer ------===//
//
// cnn-fuse-activations: a standalone activation layer whose only operand is
// the single-use result of a conv2d/dense (any FusedActivationOpInterface
// layer) without activation becomes that layer's `activation`, when the
// standalone layer computes exactly the fused form (the Keras activation
// function with its default parameters: a cnn.leaky_relu folds only with
// alpha 0.2, a cnn.gelu only without `approximate`).
//
//===----------------------------------------------------------------------===//

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

/// `ActivationOp(layer(x))` -> `layer(x) activation = <fused form>` for a
/// layer with a fused activation (FusedActivationOpInterface) that has none
/// yet and whose only use is the activation. `ActivationOp::getFusedForm()`
/// says which fused activation the op equals, if any.
template <typename ActivationOp>
struct FoldIntoLayer : OpRewritePattern<ActivationOp> {
  using OpRewritePattern<ActivationOp>::OpRewritePattern;

  LogicalResult matchAndRewrite(ActivationOp op,
                                PatternRewriter &rewriter) const override {
    std::optional<Activation> fused = op.getFusedForm();
    if (!fused)
      return rewriter.notifyMatchFailure(op, "parameters are not the "
                                             "fused form's defaults");
    auto layer =
        op->getOperand(0).template getDefiningOp<FusedActivationOpInterface>();
    if (!layer || !layer->getResult(0).hasOneUse() ||
        layer.getActivation() != Activation::None)
      return failure();
    rewriter.modifyOpInPlace(layer, [&] { layer.setActivation(*fused); });
    rewriter.replaceOp(op, layer->getResult(0));
    return success();
  }
};

struct FuseActivationsPass
    : cnnc::cnn::impl::CNNFuseActivationsBase<FuseActivationsPass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<FoldIntoLayer<ReluOp>, FoldIntoLayer<SigmoidOp>,
                 FoldIntoLayer<TanhOp>, FoldIntoLayer<LeakyReluOp>,
                 FoldIntoLayer<EluOp>, FoldIntoLayer<SeluOp>,
                 FoldIntoLayer<Relu6Op>, FoldIntoLayer<SiluOp>,
                 FoldIntoLayer<GeluOp>, FoldIntoLayer<SoftplusOp>,
                 FoldIntoLayer<HardSigmoidOp>, FoldIntoLayer<HardSwishOp>>(
        &getContext());
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};

} // namespace
