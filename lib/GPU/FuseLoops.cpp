//===- FuseLoops.cpp - adjacent loop nests into one kernel ----------------===//

#include "cnnc/GPU/Passes.h"
#include "cnnc/GPU/BufferAliasing.h"

#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/Transforms/Transforms.h"
#include "mlir/IR/Dominance.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/CSE.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace cnnc::gpu {
#define GEN_PASS_DEF_CNNGPUFUSELOOPS
#include "cnnc/GPU/Passes.h.inc"
} // namespace cnnc::gpu

using namespace mlir;

namespace {

/// dim(collapse_shape(x), i) -> dim(x, j) when result dimension i is source
/// dimension j alone.
struct DimOfCollapseShape : OpRewritePattern<memref::DimOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(memref::DimOp dim,
                                PatternRewriter &rewriter) const override {
    auto collapse = dim.getSource().getDefiningOp<memref::CollapseShapeOp>();
    std::optional<int64_t> index = dim.getConstantIndex();
    if (!collapse || !index)
      return failure();
    ReassociationIndices group =
        collapse.getReassociationIndices()[*index];
    if (group.size() != 1)
      return failure();
    rewriter.replaceOpWithNewOp<memref::DimOp>(dim, collapse.getSrc(),
                                               group.front());
    return success();
  }
};

/// dim(expand_shape(x) output_shape [..., s, ...], i) -> s.
struct DimOfExpandShape : OpRewritePattern<memref::DimOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(memref::DimOp dim,
                                PatternRewriter &rewriter) const override {
    auto expand = dim.getSource().getDefiningOp<memref::ExpandShapeOp>();
    std::optional<int64_t> index = dim.getConstantIndex();
    if (!expand || !index)
      return failure();
    OpFoldResult size = expand.getMixedOutputShape()[*index];
    auto value = dyn_cast<Value>(size);
    if (!value)
      return failure(); // static: memref.dim folds by itself
    rewriter.replaceOp(dim, value);
    return success();
  }
};

/// Moves `alloc` to just after the last definition of its size operands in
/// its block, or to the start of the block.
void hoist(memref::AllocOp alloc) {
  Block *block = alloc->getBlock();
  Operation *lastDefinition = nullptr;
  for (Value size : alloc->getOperands()) {
    Operation *definition = size.getDefiningOp();
    if (definition)
      definition = block->findAncestorOpInBlock(*definition);
    if (definition &&
        (!lastDefinition || lastDefinition->isBeforeInBlock(definition)))
      lastDefinition = definition;
  }
  if (lastDefinition)
    alloc->moveAfter(lastDefinition);
  else
    alloc->moveBefore(&block->front());
}

struct FuseLoopsPass
    : cnnc::gpu::impl::CNNGPUFuseLoopsBase<FuseLoopsPass> {
  void runOnOperation() override {
    MLIRContext *ctx = &getContext();
    RewritePatternSet patterns(ctx);
    patterns.add<DimOfCollapseShape, DimOfExpandShape>(ctx);
    memref::DimOp::getCanonicalizationPatterns(patterns, ctx);
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      return signalPassFailure();
    IRRewriter rewriter(ctx);
    DominanceInfo dominance;
    eliminateCommonSubExpressions(rewriter, dominance, getOperation());

    SmallVector<memref::AllocOp> allocations;
    getOperation().walk(
        [&](memref::AllocOp alloc) { allocations.push_back(alloc); });
    for (memref::AllocOp alloc : allocations)
      hoist(alloc);

    cnnc::gpu::BufferAliasOracle aliasing;
    auto mayAlias = [&](Value a, Value b) { return aliasing.mayAlias(a, b); };
    for (Region &region : getOperation()->getRegions())
      scf::naivelyFuseParallelOps(region, mayAlias);
  }
};

} // namespace
