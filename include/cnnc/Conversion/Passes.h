//===- Passes.h - cnnc conversion passes ------------------------*- C++ -*-===//

#ifndef CNNC_CONVERSION_PASSES_H
#define CNNC_CONVERSION_PASSES_H

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Pass/Pass.h"

namespace cnnc {

#define GEN_PASS_DECL
#include "cnnc/Conversion/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "cnnc/Conversion/Passes.h.inc"

} // namespace cnnc

#endif // CNNC_CONVERSION_PASSES_H
