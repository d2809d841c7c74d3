//===- MapParallelLoops.cpp - scf.parallel to a 1-D grid of blocks --------===//

#include "cnnc/GPU/LoopSizes.h"
#include "cnnc/GPU/Passes.h"

#include "mlir/Dialect/GPU/Transforms/ParallelLoopMapper.h"
#include "mlir/Dialect/SCF/Transforms/Transforms.h"
#include "mlir/Dialect/SCF/Utils/Utils.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/IR/PatternMatch.h"

#include <numeric>

namespace cnnc::gpu {
#define GEN_PASS_DEF_CNNGPUMAPPARALLELLOOPS
#include "cnnc/GPU/Passes.h.inc"
} // namespace cnnc::gpu

using namespace mlir;

namespace {

/// `count` copies of the mapping of loop dimensions to `processor`.
SmallVector<mlir::gpu::ParallelLoopDimMappingAttr>
mapTo(MLIRContext *ctx, mlir::gpu::Processor processor, unsigned count) {
  AffineMap identity = AffineMap::getMultiDimIdentityMap(1, ctx);
  return SmallVector<mlir::gpu::ParallelLoopDimMappingAttr>(
      count, mlir::gpu::ParallelLoopDimMappingAttr::get(ctx, processor,
                                                        identity, identity));
}

/// The largest product of trip counts along a path of nested loops in
/// `region` (1 without loops).
int64_t longestLoopNest(Region &region) {
  int64_t longest = 1;
  region.walk<WalkOrder::PreOrder>([&](Operation *op) {
    int64_t trips = 1;
    if (auto loop = dyn_cast<scf::ForOp>(op))
      trips = cnnc::gpu::estimateTripCount(
          loop.getLowerBound(), loop.getUpperBound(), loop.getStep(), 32);
    else if (auto loop = dyn_cast<scf::ParallelOp>(op))
      for (auto [lb, ub, st] : llvm::zip(loop.getLowerBound(),
                                         loop.getUpperBound(), loop.getStep()))
        trips *= cnnc::gpu::estimateTripCount(lb, ub, st, 32);
    else
      return WalkResult::advance();
    longest = std::max(longest, trips * longestLoopNest(op->getRegion(0)));
    return WalkResult::skip();
  });
  return longest;
}

struct MapParallelLoopsPass
    : cnnc::gpu::impl::CNNGPUMapParallelLoopsBase<MapParallelLoopsPass> {
  using Base::Base;

  void runOnOperation() override {
    if (blockSize <= 0 || blockSize > 1024) {
      getOperation().emitError("block-size must be in [1, 1024]");
      return signalPassFailure();
    }
    MLIRContext *ctx = &getContext();
    SmallVector<scf::ParallelOp> outermost;
    getOperation().walk([&](scf::ParallelOp loop) {
      if (!loop->getParentOfType<scf::ParallelOp>())
        outermost.push_back(loop);
    });
    IRRewriter rewriter(ctx);
    for (scf::ParallelOp loop : outermost) {
      if (loop.getNumReductions() != 0) {
        loop.emitError("GPU mapping of scf.parallel with reductions is not "
                       "supported");
        return signalPassFailure();
      }
      if (report) {
        int64_t threads = cnnc::gpu::estimateThreads(loop, 32);
        loop.emitRemark() << "kernel: " << threads << " threads, "
                          << longestLoopNest(loop.getRegion())
                          << " iterations per thread";
      }
      // Nested parallel loops run sequentially inside their thread.
      loop.getBody()->walk([&](scf::ParallelOp inner) {
        (void)mlir::gpu::setMappingAttr(
            inner,
            mapTo(ctx, mlir::gpu::Processor::Sequential, inner.getNumLoops()));
      });
      if (loop.getNumLoops() > 1) {
        // The collapsed loop replaces `loop` at the same position.
        Operation *next = loop->getNextNode();
        std::vector<unsigned> all(loop.getNumLoops());
        std::iota(all.begin(), all.end(), 0u);
        collapseParallelLoops(rewriter, loop, {all});
        loop = cast<scf::ParallelOp>(next->getPrevNode());
      }
      auto [blocks, threads] =
          scf::tileParallelLoop(loop, {blockSize}, /*noMinMaxBounds=*/true);
      if (failed(mlir::gpu::setMappingAttr(
              blocks, mapTo(ctx, mlir::gpu::Processor::BlockX, 1))) ||
          failed(mlir::gpu::setMappingAttr(
              threads, mapTo(ctx, mlir::gpu::Processor::ThreadX, 1)))) {
        loop.emitError("cannot map the loop to blocks and threads");
        return signalPassFailure();
      }
    }
  }
};

} // namespace
