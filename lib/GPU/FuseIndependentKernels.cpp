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

/// Threads of `kernel` (dynamic sizes as `dynamicSize`).
int64_t threadCount(scf::ParallelOp kernel, int64_t dynamicSize) {
  int64_t threads = 1;
  for (Value upper : kernel.getUpperBound())
    threads *= getConstantIntValue(upper).value_or(dynamicSize);
  return threads;
}

/// Whether `op` neither reads nor writes memory nor has unknown effects: it
/// may stay where it is while kernels move past it.
bool memoryFree(Operation &op) {
  cnnc::gpu::BufferAccesses accesses;
  accesses.add(&op);
  return !accesses.unknown && accesses.reads.empty() &&
         accesses.writes.empty();
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
    SmallVector<Value> ends;
    Value end = zero;
    for (scf::ParallelOp kernel : group) {
      Value threads = one;
      for (Value upper : kernel.getUpperBound())
        threads = multiply(threads, upper);
      end = add(end, threads);
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
        Value mine = arith::CmpIOp::create(builder, loc, arith::CmpIPredicate::ult,
                                           index, ends[k]);
        auto branch = scf::IfOp::create(builder, loc, mine,
                                        /*withElseRegion=*/true);
        builder.setInsertionPointToStart(branch.elseBlock());
        guard.emplace(builder);
        builder.setInsertionPointToStart(branch.thenBlock());
      }
      IRMapping mapping;
      Value local = k == 0 ? index
                           : arith::SubIOp::create(builder, loc, index, start)
                                 .getResult();
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
      // The guard restores the insertion point to the else block.
    }
    for (scf::ParallelOp kernel : group)
      kernel.erase();
  }

  void fuseBlock(Block &block) {
    cnnc::gpu::BufferAliasOracle aliasing;
    SmallVector<SmallVector<scf::ParallelOp>> groups;
    SmallVector<scf::ParallelOp> group;
    cnnc::gpu::BufferAccesses groupAccesses;
    auto close = [&]() {
      if (group.size() > 1)
        groups.push_back(group);
      group.clear();
      groupAccesses = cnnc::gpu::BufferAccesses();
    };
    for (Operation &op : block) {
      auto kernel = dyn_cast<scf::ParallelOp>(op);
      if (!kernel) {
        if (!memoryFree(op))
          close();
        continue;
      }
      cnnc::gpu::BufferAccesses accesses;
      accesses.add(kernel);
      bool fits = mergeable(kernel) &&
                  threadCount(kernel, 32) <= maxThreads;
      if (!fits || groupAccesses.conflictsWith(accesses, aliasing))
        close();
      if (!fits)
        continue;
      group.push_back(kernel);
      groupAccesses.reads.append(accesses.reads);
      groupAccesses.writes.append(accesses.writes);
    }
    close();
    for (ArrayRef<scf::ParallelOp> fused : groups)
      merge(fused);
  }

  void runOnOperation() override {
    for (Block &block : getOperation().getBody())
      fuseBlock(block);
  }
};

} // namespace
