//===- MappedKernels.cpp - kernels as cnn-gpu-map-parallel-loops maps them ===//

#include "cnnc/GPU/MappedKernels.h"
#include "cnnc/GPU/Passes.h"

#include "mlir/Dialect/GPU/Transforms/ParallelLoopMapper.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/IR/Matchers.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

using namespace mlir;
using cnnc::gpu::MappedKernel;

namespace {

/// A constant index, also through the `muli` of constants that
/// `scf::tileParallelLoop` leaves for the block size.
std::optional<int64_t> constantIndex(Value value) {
  if (std::optional<int64_t> constant = getConstantIntValue(value))
    return constant;
  if (auto mul = value.getDefiningOp<arith::MulIOp>()) {
    std::optional<int64_t> lhs = constantIndex(mul.getLhs());
    std::optional<int64_t> rhs = constantIndex(mul.getRhs());
    if (lhs && rhs)
      return *lhs * *rhs;
  }
  return std::nullopt;
}

bool isMappedTo(scf::ParallelOp loop, mlir::gpu::Processor processor) {
  auto mapping =
      loop->getAttrOfType<ArrayAttr>(mlir::gpu::getMappingAttrName());
  if (!mapping || mapping.size() != 1)
    return false;
  auto dim = dyn_cast<mlir::gpu::ParallelLoopDimMappingAttr>(mapping[0]);
  return dim && dim.getProcessor() == processor;
}

/// Whether `region` uses any of `values` directly.
bool uses(Region &region, ArrayRef<Value> values) {
  return region
      .walk([&](Operation *op) {
        for (Value operand : op->getOperands())
          if (llvm::is_contained(values, operand))
            return WalkResult::interrupt();
        return WalkResult::advance();
      })
      .wasInterrupted();
}

bool definedOutside(Value value, Operation *op) {
  return !op->isAncestor(value.getParentRegion()->getParentOp());
}

} // namespace

std::optional<MappedKernel>
cnnc::gpu::matchMappedKernel(scf::ParallelOp blocks) {
  MappedKernel kernel;
  kernel.blocks = blocks;
  if (!isMappedTo(blocks, mlir::gpu::Processor::BlockX))
    return std::nullopt;
  for (Operation &op : blocks.getBody()->without_terminator()) {
    if (auto threads = dyn_cast<scf::ParallelOp>(op)) {
      if (kernel.threads)
        return std::nullopt;
      kernel.threads = threads;
    }
  }
  scf::ParallelOp threads = kernel.threads;
  if (!threads || !isMappedTo(threads, mlir::gpu::Processor::ThreadX))
    return std::nullopt;
  std::optional<int64_t> blockStep = constantIndex(blocks.getStep()[0]);
  std::optional<int64_t> lower = constantIndex(threads.getLowerBound()[0]);
  std::optional<int64_t> upper = constantIndex(threads.getUpperBound()[0]);
  std::optional<int64_t> step = constantIndex(threads.getStep()[0]);
  if (!blockStep || !lower || !upper || !step || *lower != 0 || *step != 1 ||
      *upper != *blockStep ||
      !matchPattern(blocks.getLowerBound()[0], m_Zero()))
    return std::nullopt;
  kernel.blockSize = *upper;
  kernel.blockIv = blocks.getInductionVars()[0];
  kernel.threadIv = threads.getInductionVars()[0];

  // linear = thread (* 1) + block, in either order.
  auto isLinear = [&](Value value) {
    auto add = value.getDefiningOp<arith::AddIOp>();
    if (!add)
      return false;
    auto isThread = [&](Value v) {
      if (v == kernel.threadIv)
        return true;
      auto mul = v.getDefiningOp<arith::MulIOp>();
      return mul && mul.getLhs() == kernel.threadIv &&
             matchPattern(mul.getRhs(), m_One());
    };
    return (isThread(add.getLhs()) && add.getRhs() == kernel.blockIv) ||
           (isThread(add.getRhs()) && add.getLhs() == kernel.blockIv);
  };
  for (Operation &op : threads.getBody()->without_terminator()) {
    if (auto guard = dyn_cast<scf::IfOp>(op)) {
      if (kernel.guard || guard.elseBlock() || guard.getNumResults() != 0)
        return std::nullopt;
      kernel.guard = guard;
      continue;
    }
    if (!isPure(&op) || op.getNumRegions() != 0)
      return std::nullopt;
    if (op.getNumResults() == 1 && isLinear(op.getResult(0)))
      kernel.linear.push_back(op.getResult(0));
  }
  if (!kernel.guard)
    return std::nullopt;
  // The condition: [true and] linear < size, size the same for the block.
  Value condition = kernel.guard.getCondition();
  if (auto both = condition.getDefiningOp<arith::AndIOp>()) {
    if (matchPattern(both.getLhs(), m_One()))
      condition = both.getRhs();
    else if (matchPattern(both.getRhs(), m_One()))
      condition = both.getLhs();
  }
  auto compare = condition.getDefiningOp<arith::CmpIOp>();
  if (!compare || compare.getPredicate() != arith::CmpIPredicate::ult ||
      !llvm::is_contained(kernel.linear, compare.getLhs()) ||
      !definedOutside(compare.getRhs(), threads))
    return std::nullopt;
  kernel.size = compare.getRhs();
  // Past the guard, the thread's position is known only through `linear`.
  if (uses(kernel.guard.getThenRegion(), {kernel.threadIv, kernel.blockIv}))
    return std::nullopt;
  return kernel;
}

SmallVector<MappedKernel> cnnc::gpu::alignedParts(const MappedKernel &kernel) {
  SmallVector<MappedKernel> parts;
  scf::IfOp body = kernel.guard;
  body.getThenRegion().walk([&](scf::IfOp guard) {
    auto alignment = guard->getAttrOfType<IntegerAttr>(kAlignedSegmentAttr);
    if (!alignment || alignment.getInt() % kernel.blockSize != 0 ||
        guard.elseBlock() || guard.getNumResults() != 0)
      return;
    // Only the merged kernel's dispatch (conditionals) around it.
    for (Operation *op = guard->getParentOp(); op != kernel.guard;
         op = op->getParentOp())
      if (!isa<scf::IfOp>(op))
        return;
    auto compare = guard.getCondition().getDefiningOp<arith::CmpIOp>();
    if (!compare || compare.getPredicate() != arith::CmpIPredicate::ult ||
        !definedOutside(compare.getRhs(), kernel.threads))
      return;
    // The part's index: linear, or linear - start.
    MappedKernel part = kernel;
    Value index = compare.getLhs();
    part.start = Value();
    if (auto sub = index.getDefiningOp<arith::SubIOp>()) {
      if (!llvm::is_contained(kernel.linear, sub.getLhs()) ||
          !definedOutside(sub.getRhs(), kernel.threads))
        return;
      part.start = sub.getRhs();
    } else if (!llvm::is_contained(kernel.linear, index)) {
      return;
    }
    part.guard = guard;
    part.size = compare.getRhs();
    part.linear = {index};
    // The part's body knows its position only through `index`.
    SmallVector<Value> others = llvm::filter_to_vector(
        kernel.linear, [&](Value linear) { return linear != index; });
    if (uses(guard.getThenRegion(), others))
      return;
    parts.push_back(part);
  });
  return parts;
}
