//===- LoopSizes.h - kernel loop sizes, batch sizes estimated ---*- C++ -*-===//
//
// The GPU passes choose by size (which kernels to coarsen, to merge, what
// the kernel report prints) before the batch is known: unknown sizes are
// taken as a given batch (32, the reference training batch).
//
//===----------------------------------------------------------------------===//

#ifndef CNNC_GPU_LOOPSIZES_H
#define CNNC_GPU_LOOPSIZES_H

#include "mlir/Dialect/SCF/IR/SCF.h"

namespace cnnc::gpu {

/// `value` with every unknown size taken as `dynamicSize`, through constant
/// sums and products (the sizes cnn-gpu-fuse-independent-kernels builds).
int64_t estimateSize(mlir::Value value, int64_t dynamicSize);

/// Trip count of a loop dimension; `dynamicSize` for an unknown lower bound
/// or step.
int64_t estimateTripCount(mlir::Value lower, mlir::Value upper,
                          mlir::Value step, int64_t dynamicSize);

/// Threads of a kernel: the product of its dimensions' trip counts.
int64_t estimateThreads(mlir::scf::ParallelOp kernel, int64_t dynamicSize);

} // namespace cnnc::gpu

#endif // CNNC_GPU_LOOPSIZES_H
