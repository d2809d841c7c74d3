//===- CoarsenThreads.cpp - several outputs per thread, loads shared ------===//
//
// Unroll-and-jam of one parallel dimension of a kernel's loop nest: each
// thread computes `lanes` neighbouring outputs along that dimension, and the
// loads they have in common (a convolution's filter for outputs at
// neighbouring positions) are issued once. The iterations of an
// scf.parallel are independent, so interleaving the lanes' operations is
// legal as long as each lane keeps its own order, which the jammed loops
// do: their bounds are the same in every lane.
//
//===----------------------------------------------------------------------===//

#include "cnnc/GPU/BufferAliasing.h"
#include "cnnc/GPU/LoopSizes.h"
#include "cnnc/GPU/Passes.h"

#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

namespace cnnc::gpu {
#define GEN_PASS_DEF_CNNGPUCOARSENTHREADS
#include "cnnc/GPU/Passes.h.inc"
} // namespace cnnc::gpu

using namespace mlir;

namespace {

/// Whether `value` depends on `iv` through operations inside `scope`.
bool dependsOn(Value value, Value iv, Operation *scope) {
  SmallVector<Value> worklist{value};
  DenseSet<Value> seen;
  while (!worklist.empty()) {
    Value next = worklist.pop_back_val();
    if (next == iv)
      return true;
    if (!seen.insert(next).second)
      continue;
    if (auto arg = dyn_cast<BlockArgument>(next)) {
      // An iter_arg depends on what the loop yields and on its init.
      if (auto loop = dyn_cast<scf::ForOp>(arg.getOwner()->getParentOp());
          loop && arg.getArgNumber() > 0 && scope->isAncestor(loop)) {
        unsigned index = arg.getArgNumber() - 1;
        worklist.push_back(loop.getInitArgs()[index]);
        worklist.push_back(loop.getYieldedValues()[index]);
      }
      continue;
    }
    Operation *def = next.getDefiningOp();
    if (!scope->isAncestor(def))
      continue;
    llvm::append_range(worklist, def->getOperands());
    if (auto loop = dyn_cast<scf::ForOp>(def))
      llvm::append_range(worklist, loop.getYieldedValues());
  }
  return false;
}

/// Loads inside loops of `kernel` whose indices do not depend on `iv`: what
/// coarsening along `iv` saves.
int64_t sharedLoads(scf::ParallelOp kernel, Value iv) {
  int64_t count = 0;
  kernel.getBody()->walk([&](memref::LoadOp load) {
    if (load->getParentOfType<scf::ForOp>() &&
        kernel->isAncestor(load->getParentOfType<scf::ForOp>()) &&
        !llvm::any_of(load.getIndices(), [&](Value index) {
          return dependsOn(index, iv, kernel);
        }))
      ++count;
  });
  return count;
}

/// Clones `source` (without its terminator) once per lane, except that
/// loops whose bounds are the same in every lane are cloned once with one
/// set of iter_args per lane, and operations that compute the same in every
/// lane are cloned once.
class Jammer {
public:
  Jammer(OpBuilder &builder, ArrayRef<Value> laneValid)
      : builder(builder), laneValid(laneValid), lanes(laneValid.size()),
        maps(laneValid.size()) {}

  IRMapping &lane(unsigned l) { return maps[l]; }

  void cloneBlock(Block &source, bool blockWrites) {
    for (Operation &op : source.without_terminator())
      cloneOp(op, blockWrites);
  }

private:
  bool sameInAllLanes(Value value) {
    Value first = maps[0].lookupOrDefault(value);
    return llvm::all_of(maps, [&](IRMapping &map) {
      return map.lookupOrDefault(value) == first;
    });
  }

  void cloneOp(Operation &op, bool blockWrites) {
    auto loop = dyn_cast<scf::ForOp>(op);
    if (loop && sameInAllLanes(loop.getLowerBound()) &&
        sameInAllLanes(loop.getUpperBound()) && sameInAllLanes(loop.getStep()))
      return jamLoop(loop);
    bool invariant = op.getNumRegions() == 0 &&
                     llvm::all_of(op.getOperands(), [&](Value operand) {
                       return sameInAllLanes(operand);
                     });
    bool pureOrPlainRead =
        isPure(&op) || (isa<memref::LoadOp>(op) && !blockWrites);
    if (invariant && pureOrPlainRead) {
      Operation *clone = builder.clone(op, maps[0]);
      for (IRMapping &map : maps)
        map.map(op.getResults(), clone->getResults());
      return;
    }
    bool writes = cnnc::gpu::mayWriteMemory(&op);
    for (unsigned l = 0; l < lanes; ++l) {
      if (!writes || !laneValid[l]) {
        builder.clone(op, maps[l]);
        continue;
      }
      // A lane past the end of the dimension computes with a clamped index
      // but must not write.
      auto guard = scf::IfOp::create(builder, op.getLoc(), laneValid[l],
                                     /*withElseRegion=*/false);
      OpBuilder::InsertionGuard insertion(builder);
      builder.setInsertionPointToStart(guard.thenBlock());
      builder.clone(op, maps[l]);
    }
  }

  void jamLoop(scf::ForOp loop) {
    SmallVector<Value> inits;
    for (IRMapping &map : maps)
      for (Value init : loop.getInitArgs())
        inits.push_back(map.lookupOrDefault(init));
    auto jammed = scf::ForOp::create(
        builder, loop.getLoc(), maps[0].lookupOrDefault(loop.getLowerBound()),
        maps[0].lookupOrDefault(loop.getUpperBound()),
        maps[0].lookupOrDefault(loop.getStep()), inits);
    // Without iter_args the builder adds an empty yield; ours replaces it.
    if (Block *body = jammed.getBody(); !body->empty())
      body->back().erase();
    unsigned carried = loop.getNumRegionIterArgs();
    for (unsigned l = 0; l < lanes; ++l) {
      maps[l].map(loop.getInductionVar(), jammed.getInductionVar());
      maps[l].map(loop.getRegionIterArgs(),
                  jammed.getRegionIterArgs().slice(l * carried, carried));
      maps[l].map(loop.getResults(),
                  jammed.getResults().slice(l * carried, carried));
    }
    OpBuilder::InsertionGuard insertion(builder);
    builder.setInsertionPointToStart(jammed.getBody());
    bool bodyWrites =
        llvm::any_of(loop.getBody()->without_terminator(), [](Operation &op) {
          return cnnc::gpu::mayWriteMemory(&op);
        });
    cloneBlock(*loop.getBody(), bodyWrites);
    SmallVector<Value> yielded;
    for (IRMapping &map : maps)
      for (Value value : loop.getYieldedValues())
        yielded.push_back(map.lookupOrDefault(value));
    scf::YieldOp::create(builder, loop.getLoc(), yielded);
  }

  OpBuilder &builder;
  ArrayRef<Value> laneValid;
  unsigned lanes;
  SmallVector<IRMapping> maps;
};

struct CoarsenThreadsPass
    : cnnc::gpu::impl::CNNGPUCoarsenThreadsBase<CoarsenThreadsPass> {
  using Base::Base;

  /// The dimension to coarsen `kernel` along, or none: not the innermost
  /// (neighbouring threads keep neighbouring outputs), unit lower bound and
  /// step, the most loads shared between lanes, then the innermost.
  std::optional<unsigned> chooseDimension(scf::ParallelOp kernel) {
    if (cnnc::gpu::estimateThreads(kernel, 32) / lanes < minThreads)
      return std::nullopt;
    std::optional<unsigned> best;
    int64_t bestShared = 0;
    for (unsigned d = 0; d + 1 < kernel.getNumLoops(); ++d) {
      if (!isConstantIntValue(kernel.getLowerBound()[d], 0) ||
          !isConstantIntValue(kernel.getStep()[d], 1) ||
          cnnc::gpu::estimateTripCount(kernel.getLowerBound()[d],
                                       kernel.getUpperBound()[d],
                                       kernel.getStep()[d], lanes) < lanes)
        continue;
      int64_t shared = sharedLoads(kernel, kernel.getInductionVars()[d]);
      if (shared > 0 && shared >= bestShared) {
        best = d;
        bestShared = shared;
      }
    }
    return best;
  }

  void coarsen(scf::ParallelOp kernel, unsigned dim) {
    OpBuilder builder(kernel);
    Location loc = kernel.getLoc();
    Value extent = kernel.getUpperBound()[dim];
    Value laneCount = arith::ConstantIndexOp::create(builder, loc, lanes);
    std::optional<int64_t> staticExtent = getConstantIntValue(extent);
    SmallVector<Value> upper(kernel.getUpperBound());
    upper[dim] =
        staticExtent
            ? arith::ConstantIndexOp::create(
                  builder, loc, llvm::divideCeil(*staticExtent, lanes))
            : arith::CeilDivUIOp::create(builder, loc, extent, laneCount)
                  .getResult();
    auto coarse = scf::ParallelOp::create(builder, loc, kernel.getLowerBound(),
                                          upper, kernel.getStep());
    coarse->setDiscardableAttrs(kernel->getDiscardableAttrDictionary());
    builder.setInsertionPointToStart(coarse.getBody());

    bool exact = staticExtent && *staticExtent % lanes == 0;
    Value last =
        staticExtent
            ? arith::ConstantIndexOp::create(builder, loc, *staticExtent - 1)
                  .getResult()
            : arith::SubIOp::create(
                  builder, loc, extent,
                  arith::ConstantIndexOp::create(builder, loc, 1))
                  .getResult();
    Value first = arith::MulIOp::create(
        builder, loc, coarse.getInductionVars()[dim], laneCount);
    SmallVector<Value> laneIndex, laneValid;
    for (int64_t l = 0; l < lanes; ++l) {
      Value index = arith::AddIOp::create(
          builder, loc, first, arith::ConstantIndexOp::create(builder, loc, l));
      if (exact) {
        laneIndex.push_back(index);
        laneValid.push_back(Value());
        continue;
      }
      laneValid.push_back(arith::CmpIOp::create(
          builder, loc, arith::CmpIPredicate::ult, index, extent));
      laneIndex.push_back(arith::MinUIOp::create(builder, loc, index, last));
    }

    Jammer jammer(builder, laneValid);
    for (int64_t l = 0; l < lanes; ++l) {
      IRMapping &map = jammer.lane(l);
      for (auto [d, iv] : llvm::enumerate(kernel.getInductionVars()))
        map.map(iv, d == dim ? laneIndex[l] : coarse.getInductionVars()[d]);
    }
    bool writes =
        llvm::any_of(kernel.getBody()->without_terminator(), [](Operation &op) {
          return cnnc::gpu::mayWriteMemory(&op);
        });
    jammer.cloneBlock(*kernel.getBody(), writes);
    kernel.erase();
  }

  void runOnOperation() override {
    if (lanes < 1 || minThreads < 1) {
      getOperation().emitError("lanes and min-threads must be at least 1");
      return signalPassFailure();
    }
    if (lanes == 1)
      return;
    SmallVector<scf::ParallelOp> kernels;
    getOperation().walk([&](scf::ParallelOp loop) {
      if (!loop->getParentOfType<scf::ParallelOp>() &&
          loop.getNumReductions() == 0)
        kernels.push_back(loop);
    });
    for (scf::ParallelOp kernel : kernels)
      if (std::optional<unsigned> dim = chooseDimension(kernel))
        coarsen(kernel, *dim);
  }
};

} // namespace
