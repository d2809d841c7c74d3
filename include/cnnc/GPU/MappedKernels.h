//===- MappedKernels.h - kernels as blocks and threads ---------*- C++ -*-===//
//
// After `cnn-gpu-map-parallel-loops` a kernel is a `block_x` loop around a
// `thread_x` loop of block-size iterations whose body is guarded by
// `thread + block < size`. Passes that work on blocks (shared memory and
// barriers need all of a block's threads) find the parts they need here.
//
//===----------------------------------------------------------------------===//

#ifndef CNNC_GPU_MAPPEDKERNELS_H
#define CNNC_GPU_MAPPEDKERNELS_H

#include "mlir/Dialect/SCF/IR/SCF.h"

#include <optional>

namespace cnnc::gpu {

/// A mapped kernel, or one kernel's part of a kernel that
/// cnn-gpu-fuse-independent-kernels merged with the block size as alignment
/// (every block of it runs one part).
struct MappedKernel {
  mlir::scf::ParallelOp blocks, threads;
  mlir::Value blockIv, threadIv;
  int64_t blockSize = 0;
  /// `if (linear < size)`: the body; past it, threads outside the range
  /// do nothing.
  mlir::scf::IfOp guard;
  mlir::Value size;
  /// The values of the thread's linear index the body uses (the part's
  /// index, `thread + block - start`, in a merged kernel).
  llvm::SmallVector<mlir::Value> linear;
  /// Where the part's range starts in a merged kernel (null: 0).
  mlir::Value start;
};

/// `blocks` (a `block_x` loop) as a mapped kernel, or nullopt when it does
/// not have that shape or the guarded body uses the thread or block index
/// other than through `thread + block`.
std::optional<MappedKernel> matchMappedKernel(mlir::scf::ParallelOp blocks);

/// The parts of a merged kernel that whole blocks run (guards marked
/// `cnnc.aligned_segment` with a multiple of the block size), each as a
/// MappedKernel; empty for a kernel that was not merged so.
llvm::SmallVector<MappedKernel> alignedParts(const MappedKernel &kernel);

} // namespace cnnc::gpu

#endif // CNNC_GPU_MAPPEDKERNELS_H
