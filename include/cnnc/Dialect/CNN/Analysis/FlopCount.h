//===- FlopCount.h - arithmetic cost of cnn ops -----------------*- C++ -*-===//
//
// Floating-point operations per image of each cnn op (a multiply-add counts
// as two), used by the model summary, the library descriptor and the
// benchmarks' fraction-of-peak figures.
//
//===----------------------------------------------------------------------===//

#ifndef CNNC_DIALECT_CNN_ANALYSIS_FLOPCOUNT_H
#define CNNC_DIALECT_CNN_ANALYSIS_FLOPCOUNT_H

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Operation.h"

namespace cnnc::cnn {

/// FLOPs of `op` for one image (batch 1); 0 for ops that only move data.
int64_t countFlopsPerImage(mlir::Operation *op);

/// FLOPs of all cnn ops in `func` for one image.
int64_t countFlopsPerImage(mlir::func::FuncOp func);

} // namespace cnnc::cnn

#endif // CNNC_DIALECT_CNN_ANALYSIS_FLOPCOUNT_H
