//===- FuseIndependentKernels.cpp - one launch for independent kernels ----===//
//
// Adjacent kernels that neither read nor write what the other writes can run
// as one: the merged loop covers both iteration spaces one after the other
// and each thread runs the body its index falls in. A training step has many
// such neighbours (the final sums of the bias gradients, a filter gradient
// next to an input gradient), and at batch 32 every launch costs about as
// much as a small kernel's work.
//
//===----------------------------------------------------------------------===//

#include "cnnc/GPU/BufferAliasing.h"
#include "cnnc/GPU/LoopSizes.h"
#include "cnnc/GPU/Passes.h"

#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

namespace cnnc::gpu {
#define GEN_PASS_DEF_CNNGPUFUSEINDEPENDENTKERNELS
#include "cnnc/GPU/Passes.h.inc"
} // namespace cnnc::gpu

using namespace mlir;

namespace {

/// A kernel the pass can merge: outermost, no reductions, every dimension
/// from 0 with step 1.
bool mergeable(scf::ParallelOp kernel) {
  return kernel.getNumReductions() == 0 &&
         llvm::all_of(kernel.getLowerBound(),
                      [](Value v) { return isConstantIntValue(v, 0); }) &&
         llvm::all_of(kernel.getStep(),
                      [](Value v) { return isConstantIntValue(v, 1); });
}

/// Whether `op` neither reads nor writes memory nor has unknown effects: it
/// may stay where it is while kernels move past it.
bool memoryFree(Operation &op) {
  cnnc::gpu::BufferAccesses accesses;
  accesses.add(&op);
  return !accesses.unknown && accesses.reads.empty() && accesses.writes.empty();
}

struct FuseIndependentKernelsPass
    : cnnc::gpu::impl::CNNGPUFuseIndependentKernelsBase<
          FuseIndependentKernelsPass> {
  using Base::Base;

  /// Replaces `group` (kernels of one block, in order) by one kernel at the
  /// place of the last.
  void merge(ArrayRef<scf::ParallelOp> group) {
    scf::ParallelOp last = group.back();
    OpBuilder builder(last);
    Location loc = last.getLoc();
    Value zero = arith::ConstantIndexOp::create(builder, loc, 0);
    Value one = arith::ConstantIndexOp::create(builder, loc, 1);
    // Where each kernel's threads end in the merged range (constants when
    // the sizes are).
    auto multiply = [&](Value a, Value b) -> Value {
      std::optional<int64_t> x = getConstantIntValue(a),
                             y = getConstantIntValue(b);
      if (x && y)
        return arith::ConstantIndexOp::create(builder, loc, *x * *y);
      if (x == 1 || y == 1)
        return x == 1 ? b : a;
      return arith::MulIOp::create(builder, loc, a, b);
    };
    auto add = [&](Value a, Value b) -> Value {
      std::optional<int64_t> x = getConstantIntValue(a),
                             y = getConstantIntValue(b);
      if (x && y)
        return arith::ConstantIndexOp::create(builder, loc, *x + *y);
      if (x == 0 || y == 0)
        return x == 0 ? b : a;
      return arith::AddIOp::create(builder, loc, a, b);
    };
    // With an alignment, every kernel's range is padded to a multiple of
    // it, so an aligned group of threads (a block) runs one kernel's body.
    auto pad = [&](Value threads) -> Value {
      if (alignment <= 1)
        return threads;
      if (std::optional<int64_t> n = getConstantIntValue(threads))
        return arith::ConstantIndexOp::create(
            builder, loc, llvm::divideCeil(*n, alignment) * alignment);
      Value align = arith::ConstantIndexOp::create(builder, loc, alignment);
      return arith::MulIOp::create(
          builder, loc,
          arith::CeilDivUIOp::create(builder, loc, threads, align), align);
    };
    SmallVector<Value> ends, sizes;
    Value end = zero;
    for (scf::ParallelOp kernel : group) {
      Value threads = one;
      for (Value upper : kernel.getUpperBound())
        threads = multiply(threads, upper);
      sizes.push_back(threads);
      end = add(end, pad(threads));
      ends.push_back(end);
    }
    auto merged = scf::ParallelOp::create(builder, loc, ValueRange{zero},
                                          ValueRange{end}, ValueRange{one});
    builder.setInsertionPoint(merged.getBody()->getTerminator());
    Value index = merged.getInductionVars()[0];
    Value start = zero;
    for (auto [k, constKernel] : llvm::enumerate(group)) {
      scf::ParallelOp kernel = constKernel;
      // The last kernel takes what the others leave: no test.
      std::optional<OpBuilder::InsertionGuard> guard;
      if (k + 1 < group.size()) {
        Value mine = arith::CmpIOp::create(
            builder, loc, arith::CmpIPredicate::ult, index, ends[k]);
        auto branch = scf::IfOp::create(builder, loc, mine,
                                        /*withElseRegion=*/true);
        builder.setInsertionPointToStart(branch.elseBlock());
        guard.emplace(builder);
        builder.setInsertionPointToStart(branch.thenBlock());
      }
      IRMapping mapping;
      Value local =
          k == 0
              ? index
              : arith::SubIOp::create(builder, loc, index, start).getResult();
      if (alignment > 1) {
        // The padding's threads do nothing.
        Value inside = arith::CmpIOp::create(
            builder, loc, arith::CmpIPredicate::ult, local, sizes[k]);
        auto padding = scf::IfOp::create(builder, loc, inside,
                                         /*withElseRegion=*/false);
        padding->setAttr(cnnc::gpu::kAlignedSegmentAttr,
                         builder.getI64IntegerAttr(alignment));
        builder.setInsertionPointToStart(padding.thenBlock());
      }
      // Delinearize, innermost dimension fastest (as the loop collapsing
      // of cnn-gpu-map-parallel-loops orders threads).
      for (int64_t d = kernel.getNumLoops() - 1; d >= 0; --d) {
        Value upper = kernel.getUpperBound()[d];
        if (d == 0) {
          mapping.map(kernel.getInductionVars()[d], local);
          break;
        }
        mapping.map(kernel.getInductionVars()[d],
                    arith::RemUIOp::create(builder, loc, local, upper));
        local = arith::DivUIOp::create(builder, loc, local, upper);
      }
      for (Operation &op : kernel.getBody()->without_terminator())
        builder.clone(op, mapping);
      start = ends[k];
      // The guard restores the insertion point to the else block; after
      // the last kernel nothing follows.
    }
    for (scf::ParallelOp kernel : group)
      kernel.erase();
  }

  /// Schedules the kernels of `segment` (a block's kernels between two
  /// operations that touch memory outside kernels) by level: a kernel's
  /// level is one more than the highest level of the earlier kernels it
  /// conflicts with. Kernels of one level are pairwise independent and
  /// become one kernel; the levels follow each other at the place of the
  /// segment's last kernel (kernels only move later, past operations that do
  /// not touch memory, so their operands still dominate them).
  void schedule(ArrayRef<scf::ParallelOp> segment) {
    if (segment.size() < 2)
      return;
    cnnc::gpu::BufferAliasOracle aliasing;
    SmallVector<cnnc::gpu::BufferAccesses> accesses(segment.size());
    SmallVector<unsigned> level(segment.size(), 0);
    unsigned levels = 0;
    for (auto [j, kernel] : llvm::enumerate(segment)) {
      accesses[j].add(kernel);
      for (unsigned i = 0; i < j; ++i)
        if (level[i] + 1 > level[j] &&
            accesses[i].conflictsWith(accesses[j], aliasing))
          level[j] = level[i] + 1;
      levels = std::max(levels, level[j] + 1);
    }
    Operation *end = segment.back()->getNextNode();
    for (unsigned l = 0; l < levels; ++l) {
      SmallVector<scf::ParallelOp> group;
      for (auto [j, kernel] : llvm::enumerate(segment)) {
        if (level[j] != l)
          continue;
        kernel->moveBefore(end);
        if (mergeable(kernel) &&
            cnnc::gpu::estimateThreads(kernel, 32) <= maxThreads)
          group.push_back(kernel);
      }
      if (group.size() > 1)
        merge(group);
    }
  }

  void fuseBlock(Block &block) {
    SmallVector<scf::ParallelOp> segment;
    SmallVector<SmallVector<scf::ParallelOp>> segments;
    for (Operation &op : block) {
      if (auto kernel = dyn_cast<scf::ParallelOp>(op)) {
        segment.push_back(kernel);
      } else if (!memoryFree(op)) {
        segments.push_back(segment);
        segment.clear();
      }
    }
    segments.push_back(segment);
    for (ArrayRef<scf::ParallelOp> kernels : segments)
      schedule(kernels);
  }

  void runOnOperation() override {
    if (alignment < 1) {
      getOperation().emitError("alignment must be at least 1");
      return signalPassFailure();
    }
    for (Block &block : getOperation().getBody())
      fuseBlock(block);
  }
};

} // namespace
