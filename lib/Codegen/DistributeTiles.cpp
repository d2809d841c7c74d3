//===- DistributeTiles.cpp - forall loops to threads or sequential loops --===//

#include "cnnc/Codegen/Passes.h"

#include "mlir/Dialect/SCF/Transforms/Transforms.h"
#include "mlir/IR/PatternMatch.h"

namespace cnnc::codegen {
#define GEN_PASS_DEF_CNNDISTRIBUTETILES
#include "cnnc/Codegen/Passes.h.inc"
} // namespace cnnc::codegen

using namespace mlir;

namespace {

struct DistributeTilesPass
    : cnnc::codegen::impl::CNNDistributeTilesBase<DistributeTilesPass> {
  using CNNDistributeTilesBase::CNNDistributeTilesBase;

  void runOnOperation() override {
    SmallVector<scf::ForallOp> loops;
    getOperation()->walk([&](scf::ForallOp loop) { loops.push_back(loop); });
    IRRewriter rewriter(&getContext());
    for (scf::ForallOp loop : loops) {
      if (loop.getNumResults()) {
        loop.emitError("cnn-distribute-tiles runs after bufferization; this "
                       "scf.forall still returns tensors");
        return signalPassFailure();
      }
      rewriter.setInsertionPoint(loop);
      bool threads = parallel && !loop->hasAttr("cnn.sequential");
      LogicalResult converted =
          threads ? scf::forallToParallelLoop(rewriter, loop)
                  : scf::forallToForLoop(rewriter, loop);
      if (failed(converted)) {
        loop.emitError("cannot lower this scf.forall");
        return signalPassFailure();
      }
    }
  }
};

} // namespace
