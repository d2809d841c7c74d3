//===- InnermostChannelLoop.cpp - channel loop innermost ------------------===//

#include "cnnc/Dialect/CNN/Transforms/Passes.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/IR/PatternMatch.h"

namespace cnnc::cnn {
#define GEN_PASS_DEF_CNNINNERMOSTCHANNELLOOP
#include "cnnc/Dialect/CNN/Transforms/Passes.h.inc"
} // namespace cnnc::cnn

using namespace mlir;

namespace {

/// The loop that indexes the last dimension of the op's outputs (all
/// indexed alike), when it is parallel and not innermost yet.
std::optional<unsigned> channelLoopToMove(linalg::LinalgOp op) {
  if (op.getNumDpsInits() < 1)
    return std::nullopt;
  AffineMap map = op.getMatchingIndexingMap(op.getDpsInitOperand(0));
  for (OpOperand &init : op.getDpsInitsMutable())
    if (op.getMatchingIndexingMap(&init) != map)
      return std::nullopt;
  if (map.getNumResults() < 2)
    return std::nullopt;
  auto last = dyn_cast<AffineDimExpr>(map.getResults().back());
  if (!last)
    return std::nullopt;
  unsigned loop = last.getPosition();
  if (loop + 1 == op.getNumLoops() ||
      op.getIteratorTypesArray()[loop] != utils::IteratorType::parallel)
    return std::nullopt;
  return loop;
}

struct InnermostChannelLoopPass
    : cnnc::cnn::impl::CNNInnermostChannelLoopBase<InnermostChannelLoopPass> {
  void runOnOperation() override {
    SmallVector<linalg::LinalgOp> candidates;
    getOperation()->walk([&](linalg::LinalgOp op) {
      if (channelLoopToMove(op))
        candidates.push_back(op);
    });
    IRRewriter rewriter(&getContext());
    for (linalg::LinalgOp op : candidates) {
      unsigned loop = *channelLoopToMove(op);
      rewriter.setInsertionPoint(op);
      auto generic = dyn_cast<linalg::GenericOp>(op.getOperation());
      if (!generic) {
        FailureOr<linalg::GenericOp> generalized =
            linalg::generalizeNamedOp(rewriter, op);
        if (failed(generalized))
          continue;
        generic = *generalized;
      }
      SmallVector<unsigned> order;
      for (unsigned i = 0; i < generic.getNumLoops(); ++i)
        if (i != loop)
          order.push_back(i);
      order.push_back(loop);
      if (failed(linalg::interchangeGenericOp(rewriter, generic, order)))
        return signalPassFailure();
    }
  }
};

} // namespace
