//===- PromoteAccumulators.cpp - reduction accumulators in registers ------===//
//
// A reduction lowered to loops reads and writes its output element on every
// iteration. On the GPU the kernel's buffers are plain global pointers that
// LLVM cannot prove distinct, so every iteration ends with a global store.
// Here the element is loaded once before the loop, carried as an iter_arg
// and stored once after it, when nothing else in the loop may touch it.
//
//===----------------------------------------------------------------------===//

#include "cnnc/GPU/BufferAliasing.h"
#include "cnnc/GPU/Passes.h"

#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

namespace cnnc::gpu {
#define GEN_PASS_DEF_CNNGPUPROMOTEACCUMULATORS
#include "cnnc/GPU/Passes.h.inc"
} // namespace cnnc::gpu

using namespace mlir;

namespace {

/// A load and a store of one element in a loop's body, both at its top
/// level, the load first.
struct Accumulator {
  memref::LoadOp load;
  memref::StoreOp store;
};

/// Whether `op`, inside the loop, may read or write an element of `buffer`
/// other than through the accumulator's own load and store.
bool touches(Operation *op, Value buffer, const Accumulator &accumulator,
             cnnc::gpu::BufferAliasOracle &aliasing) {
  if (op == accumulator.load || op == accumulator.store)
    return false;
  auto memory = dyn_cast<MemoryEffectOpInterface>(op);
  if (!memory)
    return !op->hasTrait<OpTrait::HasRecursiveMemoryEffects>();
  SmallVector<MemoryEffects::EffectInstance> effects;
  memory.getEffects(effects);
  for (const MemoryEffects::EffectInstance &effect : effects) {
    if (isa<MemoryEffects::Allocate, MemoryEffects::Free>(effect.getEffect()))
      continue;
    Value value = effect.getValue();
    if (!value || aliasing.mayAlias(value, buffer))
      return true;
  }
  return false;
}

/// The accumulators of `loop`: a load/store pair of the same element of a
/// buffer defined outside, at indices defined outside, that nothing else in
/// the loop may read or write.
SmallVector<Accumulator>
findAccumulators(scf::ForOp loop, cnnc::gpu::BufferAliasOracle &aliasing) {
  auto definedOutside = [&](Value value) {
    return loop.isDefinedOutsideOfLoop(value);
  };
  SmallVector<Accumulator> found;
  for (auto load : loop.getBody()->getOps<memref::LoadOp>()) {
    Value buffer = load.getMemRef();
    if (!definedOutside(buffer) ||
        !llvm::all_of(load.getIndices(), definedOutside))
      continue;
    memref::StoreOp store;
    for (Operation *user : buffer.getUsers()) {
      auto candidate = dyn_cast<memref::StoreOp>(user);
      if (candidate && candidate->getBlock() == loop.getBody() &&
          candidate.getIndices() == load.getIndices() &&
          load->isBeforeInBlock(candidate)) {
        store = candidate;
        break;
      }
    }
    if (!store)
      continue;
    Accumulator accumulator{load, store};
    WalkResult clash = loop.getBody()->walk([&](Operation *op) {
      return touches(op, buffer, accumulator, aliasing)
                 ? WalkResult::interrupt()
                 : WalkResult::advance();
    });
    if (!clash.wasInterrupted())
      found.push_back(accumulator);
  }
  return found;
}

/// The store that last wrote the accumulator's element before `loop`, when
/// only operations without memory effects lie between them.
memref::StoreOp storeBefore(scf::ForOp loop, Accumulator accumulator) {
  Operation *previous = loop->getPrevNode();
  while (previous && isMemoryEffectFree(previous))
    previous = previous->getPrevNode();
  auto store = dyn_cast_or_null<memref::StoreOp>(previous);
  if (store && store.getMemRef() == accumulator.load.getMemRef() &&
      store.getIndices() == accumulator.load.getIndices())
    return store;
  return {};
}

/// Carries the accumulators of `loop` as iter_args. The initial value is
/// the one a store just before the loop wrote (that store is then dead: the
/// store after the loop overwrites it), else a load.
void promote(IRRewriter &rewriter, scf::ForOp loop,
             MutableArrayRef<Accumulator> accumulators) {
  memref::StoreOp forwarded = storeBefore(loop, accumulators.back());
  rewriter.setInsertionPoint(loop);
  SmallVector<Value> initial;
  for (Accumulator accumulator : accumulators)
    initial.push_back(
        forwarded && forwarded.getMemRef() == accumulator.load.getMemRef()
            ? forwarded.getValueToStore()
            : memref::LoadOp::create(rewriter, accumulator.load.getLoc(),
                                     accumulator.load.getMemRef(),
                                     accumulator.load.getIndices()));
  if (forwarded)
    rewriter.eraseOp(forwarded);
  FailureOr<LoopLikeOpInterface> promoted = loop.replaceWithAdditionalYields(
      rewriter, initial, /*replaceInitOperandUsesInLoop=*/false,
      [&](OpBuilder &, Location, ArrayRef<BlockArgument>) {
        SmallVector<Value> yielded;
        for (Accumulator accumulator : accumulators)
          yielded.push_back(accumulator.store.getValueToStore());
        return yielded;
      });
  auto newLoop = cast<scf::ForOp>(promoted->getOperation());
  ValueRange carried =
      newLoop.getRegionIterArgs().take_back(accumulators.size());
  ValueRange results = newLoop.getResults().take_back(accumulators.size());
  rewriter.setInsertionPointAfter(newLoop);
  for (auto [accumulator, value, result] :
       llvm::zip(accumulators, carried, results)) {
    memref::StoreOp::create(rewriter, accumulator.store.getLoc(), result,
                            accumulator.store.getMemRef(),
                            accumulator.store.getIndices());
    rewriter.replaceOp(accumulator.load, value);
    rewriter.eraseOp(accumulator.store);
  }
}

struct PromoteAccumulatorsPass
    : cnnc::gpu::impl::CNNGPUPromoteAccumulatorsBase<PromoteAccumulatorsPass> {
  void runOnOperation() override {
    // Innermost loops first: the load and store placed around an inner loop
    // are then an accumulator of the loop around it.
    SmallVector<scf::ForOp> loops;
    getOperation().walk([&](scf::ForOp loop) { loops.push_back(loop); });
    cnnc::gpu::BufferAliasOracle aliasing;
    IRRewriter rewriter(&getContext());
    for (scf::ForOp loop : loops) {
      SmallVector<Accumulator> accumulators = findAccumulators(loop, aliasing);
      if (!accumulators.empty())
        promote(rewriter, loop, accumulators);
    }
  }
};

} // namespace
