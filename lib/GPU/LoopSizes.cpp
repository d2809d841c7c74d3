//===- LoopSizes.cpp - sizes of kernels' loops, batch sizes estimated -----===//

#include "cnnc/GPU/LoopSizes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"

using namespace mlir;

int64_t cnnc::gpu::estimateSize(Value value, int64_t dynamicSize) {
  if (std::optional<int64_t> constant = getConstantIntValue(value))
    return *constant;
  if (auto sum = value.getDefiningOp<arith::AddIOp>())
    return estimateSize(sum.getLhs(), dynamicSize) +
           estimateSize(sum.getRhs(), dynamicSize);
  if (auto product = value.getDefiningOp<arith::MulIOp>())
    return estimateSize(product.getLhs(), dynamicSize) *
           estimateSize(product.getRhs(), dynamicSize);
  return dynamicSize;
}

int64_t cnnc::gpu::estimateTripCount(Value lower, Value upper, Value step,
                                     int64_t dynamicSize) {
  std::optional<int64_t> lb = getConstantIntValue(lower),
                         st = getConstantIntValue(step);
  if (!lb || !st || *st <= 0)
    return dynamicSize;
  return (estimateSize(upper, dynamicSize) - *lb + *st - 1) / *st;
}

int64_t cnnc::gpu::estimateThreads(scf::ParallelOp kernel,
                                   int64_t dynamicSize) {
  int64_t threads = 1;
  for (auto [lb, ub, st] : llvm::zip(kernel.getLowerBound(),
                                     kernel.getUpperBound(), kernel.getStep()))
    threads *= estimateTripCount(lb, ub, st, dynamicSize);
  return threads;
}
