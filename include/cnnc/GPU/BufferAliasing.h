//===- BufferAliasing.h - can two buffers overlap? --------------*- C++ -*-===//
//
// Upstream's local alias analysis, refined by the entry-point ABI: buffers
// passed to an entry point do not overlap (include/cnnc/Runtime/abi.h), and
// `cnn-export-c-interface` marks them `llvm.noalias`.
//
//===----------------------------------------------------------------------===//

#ifndef CNNC_GPU_BUFFERALIASING_H
#define CNNC_GPU_BUFFERALIASING_H

#include "mlir/Analysis/AliasAnalysis/LocalAliasAnalysis.h"
#include "mlir/IR/Operation.h"
#include "mlir/IR/Value.h"

namespace cnnc::gpu {

/// The buffer `value` is a view of: the source of its chain of view ops.
mlir::Value viewedBuffer(mlir::Value value);

/// Whether `value` is an argument of a function marked `llvm.noalias`.
bool isNoAliasArgument(mlir::Value value);

/// Whether two memrefs may share an element: false when they are views of
/// different buffers one of which is a `llvm.noalias` argument, or static
/// views of one buffer whose element ranges are disjoint; else what
/// upstream's local alias analysis says.
class BufferAliasOracle {
public:
  bool mayAlias(mlir::Value a, mlir::Value b);

private:
  mlir::LocalAliasAnalysis analysis;
};

/// The buffers an operation and the ops nested in it read and write.
struct BufferAccesses {
  llvm::SmallVector<mlir::Value> reads, writes;
  /// A memory effect on no particular buffer (conservatively: any).
  bool unknown = false;

  void add(mlir::Operation *op);

  /// Whether some access may write memory (an unknown effect may).
  bool mayWrite() const { return unknown || !writes.empty(); }

  /// Whether one of the two may write what the other reads or writes.
  bool conflictsWith(const BufferAccesses &other,
                     BufferAliasOracle &aliasing) const;
};

/// Whether `op` or an operation nested in it may write memory.
bool mayWriteMemory(mlir::Operation *op);

} // namespace cnnc::gpu

#endif // CNNC_GPU_BUFFERALIASING_H
