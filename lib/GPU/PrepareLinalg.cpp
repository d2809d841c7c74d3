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

/// The permutation putting the parallel iterators of `op` first, in their
/// order, followed by the others; empty when they already come first.
SmallVector<unsigned> parallelFirst(linalg::LinalgOp op) {
  SmallVector<unsigned> parallel, rest;
  for (auto [i, kind] : llvm::enumerate(op.getIteratorTypesArray()))
    (kind == utils::IteratorType::parallel ? parallel : rest).push_back(i);
  SmallVector<unsigned> permutation = parallel;
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
      if (op.getNumParallelLoops() > 0 || op->getParentOfType<scf::ParallelOp>())
        continue;
      // One device thread runs the whole op.
      Location loc = op.getLoc();
      rewriter.setInsertionPoint(op);
      Value zero = arith::ConstantIndexOp::create(rewriter, loc, 0);
      Value one = arith::ConstantIndexOp::create(rewriter, loc, 1);
      auto single = scf::ParallelOp::create(rewriter, loc, ValueRange{zero},
                                            ValueRange{one}, ValueRange{one});
      rewriter.moveOpBefore(op, single.getBody()->getTerminator());
    }
  }
};

} // namespace
