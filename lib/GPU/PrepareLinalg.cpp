//===- PrepareLinalg.cpp - parallel dimensions first, no host reductions --===//

#include "cnnc/GPU/Passes.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/IR/PatternMatch.h"

namespace cnnc::gpu {
#define GEN_PASS_DEF_CNNGPUPREPARELINALG
#include "cnnc/GPU/Passes.h.inc"
} // namespace cnnc::gpu

using namespace mlir;

namespace {

/// The permutation putting the parallel iterators of `op` first, followed by
/// the others; empty when it is the identity. Parallel iterators that index
/// the first output come in the order of its dimensions (after those that do
/// not), so that the innermost one, which becomes consecutive threads,
/// writes consecutive elements.
SmallVector<unsigned> parallelFirst(linalg::LinalgOp op) {
  SmallVector<utils::IteratorType> kinds = op.getIteratorTypesArray();
  auto isParallel = [&](unsigned dim) {
    return kinds[dim] == utils::IteratorType::parallel;
  };
  SmallVector<unsigned> byOutput;
  if (op.getNumDpsInits() > 0) {
    AffineMap out = op.getMatchingIndexingMap(op.getDpsInitOperand(0));
    if (out.isProjectedPermutation())
      for (AffineExpr result : out.getResults())
        if (unsigned dim = cast<AffineDimExpr>(result).getPosition();
            isParallel(dim))
          byOutput.push_back(dim);
  }
  SmallVector<unsigned> parallel, rest;
  for (unsigned dim = 0, e = kinds.size(); dim < e; ++dim)
    if (!isParallel(dim))
      rest.push_back(dim);
    else if (!llvm::is_contained(byOutput, dim))
      parallel.push_back(dim);
  SmallVector<unsigned> permutation = parallel;
  llvm::append_range(permutation, byOutput);
  llvm::append_range(permutation, rest);
  for (auto [i, dim] : llvm::enumerate(permutation))
    if (i != dim)
      return permutation;
  return {};
}

struct PrepareLinalgPass
    : cnnc::gpu::impl::CNNGPUPrepareLinalgBase<PrepareLinalgPass> {
  void runOnOperation() override {
    IRRewriter rewriter(&getContext());
    SmallVector<linalg::LinalgOp> ops;
    getOperation().walk([&](linalg::LinalgOp op) { ops.push_back(op); });
    for (linalg::LinalgOp op : ops) {
      if (!op.hasPureBufferSemantics()) {
        op.emitError("GPU lowering expects bufferized linalg ops");
        return signalPassFailure();
      }
      if (auto generic = dyn_cast<linalg::GenericOp>(op.getOperation())) {
        SmallVector<unsigned> permutation = parallelFirst(op);
        if (!permutation.empty()) {
          rewriter.setInsertionPoint(generic);
          FailureOr<linalg::GenericOp> interchanged =
              linalg::interchangeGenericOp(rewriter, generic, permutation);
          if (failed(interchanged)) {
            generic.emitError("cannot interchange the loops of this op");
            return signalPassFailure();
          }
          op = *interchanged;
        }
      }
    }
  }
};

} // namespace
