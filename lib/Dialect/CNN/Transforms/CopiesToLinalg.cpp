//===- CopiesToLinalg.cpp - memref.copy as linalg.copy --------------------===//

#include "cnnc/Dialect/CNN/Transforms/Passes.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/IR/OperationSupport.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "mlir/Interfaces/ViewLikeInterface.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace cnnc::cnn {
#define GEN_PASS_DEF_CNNCOPIESTOLINALG
#include "cnnc/Dialect/CNN/Transforms/Passes.h.inc"
} // namespace cnnc::cnn

using namespace mlir;

namespace {

/// Whether `a` and `b` are the same buffer: the same value, or the same
/// view (an identical op, e.g. two equal subviews) of the same buffer.
bool isSameBuffer(Value a, Value b) {
  if (a == b)
    return true;
  Operation *viewA = a.getDefiningOp(), *viewB = b.getDefiningOp();
  return viewA && viewB && isa<ViewLikeOpInterface>(viewA) &&
         isPure(viewA) &&
         OperationEquivalence::isEquivalentTo(
             viewA, viewB, OperationEquivalence::IgnoreLocations);
}

struct CopyToLinalg : OpRewritePattern<memref::CopyOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(memref::CopyOp copy,
                                PatternRewriter &rewriter) const override {
    // Bufferization copies a function's in-place result onto itself.
    if (isSameBuffer(copy.getSource(), copy.getTarget()))
      rewriter.eraseOp(copy);
    else
      rewriter.replaceOpWithNewOp<linalg::CopyOp>(copy, copy.getSource(),
                                                  copy.getTarget());
    return success();
  }
};

struct CopiesToLinalgPass
    : cnnc::cnn::impl::CNNCopiesToLinalgBase<CopiesToLinalgPass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<CopyToLinalg>(&getContext());
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};

} // namespace
