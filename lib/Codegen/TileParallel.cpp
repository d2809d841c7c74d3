//===- TileParallel.cpp - forall tiles for the ops without a kernel -------===//

#include "cnnc/Codegen/Passes.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/SCF/Transforms/TileUsingInterface.h"
#include "mlir/IR/PatternMatch.h"

namespace cnnc::codegen {
#define GEN_PASS_DEF_CNNTILEPARALLEL
#include "cnnc/Codegen/Passes.h.inc"
} // namespace cnnc::codegen

using namespace mlir;

namespace {

struct TileParallelPass
    : cnnc::codegen::impl::CNNTileParallelBase<TileParallelPass> {
  using CNNTileParallelBase::CNNTileParallelBase;

  /// The tile size of the outermost loop, or 0 to leave `op` alone.
  int64_t tileSize(linalg::LinalgOp op) const {
    // One result only: a second, unused result of a tiled op (the window
    // maxima next to the argmax of a pooling gradient) bufferizes to a
    // buffer inside the forall that the deallocation pipeline never frees
    // (test/e2e/no-leak.test).
    if (!op.hasPureTensorSemantics() || op.getNumLoops() == 0 ||
        op->getNumResults() != 1 ||
        op.getIteratorTypesArray().front() != utils::IteratorType::parallel ||
        op->getParentOfType<scf::ForallOp>() ||
        op->getParentOfType<LoopLikeOpInterface>())
      return 0;
    SmallVector<int64_t> ranges = op.getStaticLoopRanges();
    int64_t work = 1;
    for (int64_t extent : ranges)
      if (!ShapedType::isDynamic(extent))
        work = std::min<int64_t>(work * extent, minWork);
    if (work < minWork)
      return 0;
    int64_t outer = ranges.front();
    if (ShapedType::isDynamic(outer))
      return 1;
    return outer >= 2 * chunk ? chunk : 0;
  }

  void runOnOperation() override {
    SmallVector<std::pair<linalg::LinalgOp, int64_t>> candidates;
    getOperation()->walk([&](linalg::LinalgOp op) {
      if (!isa<TilingInterface>(op.getOperation()))
        return;
      if (int64_t size = tileSize(op))
        candidates.push_back({op, size});
    });
    IRRewriter rewriter(&getContext());
    for (auto [op, size] : candidates) {
      SmallVector<OpFoldResult> sizes(op.getNumLoops(),
                                      rewriter.getIndexAttr(0));
      sizes.front() = rewriter.getIndexAttr(size);
      scf::SCFTilingOptions options;
      options.setLoopType(scf::SCFTilingOptions::LoopType::ForallOp)
          .setTileSizes(sizes);
      rewriter.setInsertionPoint(op);
      FailureOr<scf::SCFTilingResult> tiled = scf::tileUsingSCF(
          rewriter, cast<TilingInterface>(op.getOperation()), options);
      if (failed(tiled)) {
        op.emitError("cnn-tile-parallel: cannot tile this op");
        return signalPassFailure();
      }
      rewriter.replaceOp(op, tiled->replacements);
    }
  }
};

} // namespace
