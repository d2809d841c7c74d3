//===- FoldBatchNorm.cpp - inference batch norm into its layer ------------===//
//
// Rewrites batch_norm(layer(x, kernel, bias)) in inference mode as
// layer(x, kernel', bias') with kernel' and bias' from cnn.fold_batch_norm,
// for the layers whose output is linear in their kernel and bias per output
// channel (conv2d, dense). The layer must have no activation yet and the
// batch normalization must be its only use; an activation after the
// batch normalization then fuses into the layer (cnn-fuse-activations runs
// again after this pass). Training steps are untouched: their batch
// normalization is already cnn.batch_norm_train.
//
//===----------------------------------------------------------------------===//

#include "cnnc/Dialect/CNN/IR/CNNOps.h"
#include "cnnc/Dialect/CNN/Transforms/Passes.h"

#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace cnnc::cnn {
#define GEN_PASS_DEF_CNNFOLDBATCHNORM
#include "cnnc/Dialect/CNN/Transforms/Passes.h.inc"
} // namespace cnnc::cnn

using namespace mlir;
using namespace cnnc::cnn;

namespace {

/// The kernel of a layer whose operands are (input, kernel, optional bias).
Value getKernel(Conv2DOp op) { return op.getFilter(); }
Value getKernel(DenseOp op) { return op.getKernel(); }

/// `batch_norm(LayerOp(x, kernel, bias))` -> `LayerOp(x, kernel', bias')`.
template <typename LayerOp>
struct FoldIntoLayer : OpRewritePattern<BatchNormOp> {
  FoldIntoLayer(MLIRContext *context, llvm::Statistic &folded)
      : OpRewritePattern<BatchNormOp>(context), folded(folded) {}

  LogicalResult matchAndRewrite(BatchNormOp op,
                                PatternRewriter &rewriter) const override {
    auto layer = op.getInput().getDefiningOp<LayerOp>();
    if (!layer)
      return failure();
    if (layer.getActivation() != Activation::None ||
        !layer->getResult(0).hasOneUse())
      return rewriter.notifyMatchFailure(
          op, "the layer has an activation or another use");
    auto fold = FoldBatchNormOp::create(
        rewriter, op.getLoc(), getKernel(layer), op.getMovingMean(),
        op.getMovingVariance(), layer.getBias(), op.getGamma(), op.getBeta(),
        op.getEpsilonAttr());
    // The layer with its kernel and bias replaced (the bias may be new).
    Operation *replacement = rewriter.clone(*layer);
    rewriter.modifyOpInPlace(replacement, [&] {
      replacement->setOperands(
          {layer.getInput(), fold.getFoldedKernel(), fold.getFoldedBias()});
      replacement->setLoc(rewriter.getFusedLoc({layer.getLoc(), op.getLoc()}));
    });
    rewriter.replaceOp(op, replacement->getResults());
    rewriter.eraseOp(layer);
    ++folded;
    return success();
  }

  llvm::Statistic &folded;
};

struct FoldBatchNormPass
    : cnnc::cnn::impl::CNNFoldBatchNormBase<FoldBatchNormPass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<FoldIntoLayer<Conv2DOp>, FoldIntoLayer<DenseOp>>(&getContext(),
                                                                  numFolded);
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};

} // namespace
