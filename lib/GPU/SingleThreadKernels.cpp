//===- SingleThreadKernels.cpp - buffer accesses left on the host ---------===//
//
// Every buffer an entry point of a GPU library touches lives in device
// memory, so the host code must not load or store. Ops without a parallel
// dimension (the loss and accuracy sums over the batch, scalar stores of
// their results) end up outside any scf.parallel: prepare-linalg wraps them
// in a one-iteration loop, but canonicalization folds such loops away. Here
// each run of host operations that access buffers, between two kernels,
// moves into a one-iteration scf.parallel, i.e. a kernel of one thread.
//
//===----------------------------------------------------------------------===//

#include "cnnc/GPU/BufferAliasing.h"
#include "cnnc/GPU/Passes.h"

#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

namespace cnnc::gpu {
#define GEN_PASS_DEF_CNNGPUSINGLETHREADKERNELS
#include "cnnc/GPU/Passes.h.inc"
} // namespace cnnc::gpu

using namespace mlir;

namespace {

/// How a top-level host operation relates to device memory.
enum class HostOp {
  Neutral, ///< no memory access (index arithmetic, views, allocations)
  Access,  ///< reads or writes a buffer (or contains an op that does)
  Barrier, ///< a kernel, or an op whose effects are unknown (a call)
};

HostOp classify(Operation *op) {
  if (isa<scf::ParallelOp>(op))
    return HostOp::Barrier;
  HostOp kind = HostOp::Neutral;
  op->walk([&](Operation *nested) {
    if (isa<scf::ParallelOp>(nested)) {
      kind = HostOp::Barrier;
      return WalkResult::interrupt();
    }
    auto memory = dyn_cast<MemoryEffectOpInterface>(nested);
    if (!memory) {
      if (nested->hasTrait<OpTrait::HasRecursiveMemoryEffects>())
        return WalkResult::advance();
      kind = HostOp::Barrier;
      return WalkResult::interrupt();
    }
    if (memory.hasEffect<MemoryEffects::Read>() ||
        memory.hasEffect<MemoryEffects::Write>())
      kind = HostOp::Access;
    return WalkResult::advance();
  });
  return kind;
}

struct SingleThreadKernelsPass
    : cnnc::gpu::impl::CNNGPUSingleThreadKernelsBase<SingleThreadKernelsPass> {
  /// Moves `run` (operations of one block, in order) into a one-iteration
  /// scf.parallel after its last operation.
  LogicalResult wrap(ArrayRef<Operation *> run) {
    DenseSet<Operation *> inRun(run.begin(), run.end());
    for (Operation *op : run)
      for (Operation *user : op->getUsers())
        if (!inRun.contains(user) &&
            !inRun.contains(
                run.front()->getBlock()->findAncestorOpInBlock(*user)))
          return op->emitError("a value computed from a buffer is used by "
                               "host code: it cannot run on the GPU");
    OpBuilder builder(run.back()->getContext());
    builder.setInsertionPointAfter(run.back());
    Location loc = run.back()->getLoc();
    Value zero = arith::ConstantIndexOp::create(builder, loc, 0);
    Value one = arith::ConstantIndexOp::create(builder, loc, 1);
    auto single = scf::ParallelOp::create(builder, loc, ValueRange{zero},
                                          ValueRange{one}, ValueRange{one});
    Operation *terminator = single.getBody()->getTerminator();
    for (Operation *op : run)
      op->moveBefore(terminator);
    return success();
  }

  /// Runs of host operations that access buffers in `block`: each starts at
  /// such an operation and takes the later operations that access buffers
  /// or use a value of the run, up to a kernel that reads or writes what the
  /// run writes, or writes what it reads, or uses one of its values (the
  /// run's kernel then goes before it). Kernels without such a conflict
  /// keep their place before the run's kernel: the scalar results of a
  /// loss become one kernel with the sums that follow.
  LogicalResult wrapBlock(Block &block) {
    cnnc::gpu::BufferAliasOracle aliasing;
    SmallVector<Operation *> run;
    DenseSet<Operation *> inRun;
    cnnc::gpu::BufferAccesses runAccesses;
    auto usesRun = [&](Operation &op) {
      bool uses = false;
      op.walk([&](Operation *nested) {
        for (Value operand : nested->getOperands())
          if (Operation *def = operand.getDefiningOp();
              def && inRun.contains(block.findAncestorOpInBlock(*def)))
            uses = true;
      });
      return uses;
    };
    auto close = [&]() -> LogicalResult {
      if (run.empty())
        return success();
      LogicalResult wrapped = wrap(run);
      run.clear();
      inRun.clear();
      runAccesses = cnnc::gpu::BufferAccesses();
      return wrapped;
    };
    for (Operation &op : llvm::make_early_inc_range(block)) {
      HostOp kind = op.hasTrait<OpTrait::IsTerminator>() ? HostOp::Barrier
                                                         : classify(&op);
      if (kind == HostOp::Barrier) {
        if (run.empty() || !isa<scf::ParallelOp>(op) || usesRun(op))
          if (failed(close()))
            return failure();
        cnnc::gpu::BufferAccesses kernel;
        kernel.add(&op);
        if (!run.empty() && runAccesses.conflictsWith(kernel, aliasing))
          if (failed(close()))
            return failure();
        continue;
      }
      if (kind == HostOp::Access || (!run.empty() && usesRun(op))) {
        run.push_back(&op);
        inRun.insert(&op);
        runAccesses.add(&op);
      }
    }
    return close();
  }

  void runOnOperation() override {
    func::FuncOp function = getOperation();
    // Only functions with kernels run on the GPU; the C wrappers around
    // them are host code proper.
    bool hasKernels = false;
    function.walk([&](scf::ParallelOp) { hasKernels = true; });
    if (!hasKernels)
      return;
    for (Block &block : function.getBody())
      if (failed(wrapBlock(block)))
        return signalPassFailure();
  }
};

} // namespace
