//===- FlopCount.h - arithmetic cost of a model -----------------*- C++ -*-===//
//
// Floating-point operations per image of a model's forward function (a
// multiply-add counts as two), summed from each layer's
// LayerOpInterface::getFlopsPerImage; used by the model summary, the library
// descriptor and the benchmarks' fraction-of-peak figures.
//
//===----------------------------------------------------------------------===//

#ifndef CNNC_DIALECT_CNN_ANALYSIS_FLOPCOUNT_H
#define CNNC_DIALECT_CNN_ANALYSIS_FLOPCOUNT_H

#include "mlir/Dialect/Func/IR/FuncOps.h"

namespace cnnc::cnn {

/// FLOPs of all layers in `func` for one image. Emits an error at the layer
/// whose count, or at the function whose total, does not fit in int64.
mlir::FailureOr<int64_t> countFlopsPerImage(mlir::func::FuncOp func);

} // namespace cnnc::cnn

#endif // CNNC_DIALECT_CNN_ANALYSIS_FLOPCOUNT_H
