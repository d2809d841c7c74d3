//===- DuplicateFills.cpp - one fill per user ------------------------------===//

#include "cnnc/GPU/Passes.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/PatternMatch.h"

namespace cnnc::gpu {
#define GEN_PASS_DEF_CNNGPUDUPLICATEFILLS
#include "cnnc/GPU/Passes.h.inc"
} // namespace cnnc::gpu

using namespace mlir;

namespace {

struct DuplicateFillsPass
    : cnnc::gpu::impl::CNNGPUDuplicateFillsBase<DuplicateFillsPass> {
  void runOnOperation() override {
    // Fills: linalg.fill, or (generalized) an op without inputs that does
    // not read its init.
    SmallVector<linalg::LinalgOp> fills;
    getOperation().walk([&](linalg::LinalgOp op) {
      if (op.hasPureTensorSemantics() && op->getNumResults() == 1 &&
          !op->getResult(0).hasOneUse() &&
          (isa<linalg::FillOp>(op) ||
           (op.getNumDpsInputs() == 0 &&
            !op.payloadUsesValueFromOperand(op.getDpsInitOperand(0)))))
        fills.push_back(op);
    });
    IRRewriter rewriter(&getContext());
    for (linalg::LinalgOp fill : fills) {
      Value result = fill->getResult(0);
      auto empty =
          fill.getDpsInitOperand(0)->get().getDefiningOp<tensor::EmptyOp>();
      // The use that comes first in the fill's block keeps the original;
      // every other gets a copy of the fill (and of its empty) right before
      // it.
      Block *block = fill->getBlock();
      SmallVector<OpOperand *> uses = llvm::map_to_vector(
          result.getUses(), [](OpOperand &use) { return &use; });
      OpOperand *keeper = uses.front();
      for (OpOperand *use : uses) {
        Operation *user = block->findAncestorOpInBlock(*use->getOwner());
        Operation *kept = block->findAncestorOpInBlock(*keeper->getOwner());
        if (user && kept && user->isBeforeInBlock(kept))
          keeper = use;
      }
      for (OpOperand *use : uses) {
        if (use == keeper)
          continue;
        rewriter.setInsertionPoint(use->getOwner());
        IRMapping mapping;
        if (empty)
          mapping.map(empty.getResult(), rewriter.clone(*empty)->getResult(0));
        Operation *copy = rewriter.clone(*fill.getOperation(), mapping);
        rewriter.modifyOpInPlace(use->getOwner(),
                                 [&] { use->set(copy->getResult(0)); });
      }
    }
  }
};

} // namespace
